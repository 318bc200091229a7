#include "bench/e2e/options.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "bench/e2e/failure.hpp"

namespace bro::e2e {
namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: bro_e2e_bench --server PATH --client PATH [--rounds N] [--warmup N]\n"
                 "                     [--idle-connections N]\n"
                 "                     [--blocks N] [--concurrency C,C,...]\n"
                 "                     [--concurrency-calls N] [--concurrency-repeats N]\n"
                 "                     [--bytes N] [--repeats N] [--sink pipe|null|both]\n"
                 "                     [--chunks N,N,...] [--pin CPU] [--skip-latency]\n"
                 "                     [--skip-concurrency] [--skip-throughput] [--json FILE]\n");
}

std::uint64_t parse_number(const std::string& flag, const char* text, bool zero_ok = false) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || (value == 0 && !zero_ok)) {
        fail(flag + " wants a positive integer, got '" + text + "'");
    }
    return value;
}

std::vector<std::size_t> parse_list(const std::string& flag, const char* text) {
    std::vector<std::size_t> values;
    std::stringstream list(text);
    for (std::string item; std::getline(list, item, ',');) {
        values.push_back(parse_number(flag, item.c_str()));
    }
    if (values.empty()) fail(flag + " wants a comma-separated list of positive integers");
    return values;
}

std::vector<Sink> parse_sinks(const char* text) {
    const std::string sink = text;
    if (sink == "pipe") return {Sink::kPipe};
    if (sink == "null") return {Sink::kNull};
    if (sink == "both") return {Sink::kPipe, Sink::kNull};
    fail("--sink wants pipe, null or both");
}

struct Flag {
    const char* name = "";
    bool takes_value = true;
    void (*apply)(Options&, const std::string& flag, const char* value) = nullptr;
};

// The flag as typed, for error messages.
using FlagName = const std::string&;
const auto kFlags = std::to_array<Flag>({
    {"--server", true, [](Options& o, FlagName, const char* v) { o.server = v; }},
    {"--client", true, [](Options& o, FlagName, const char* v) { o.client = v; }},
    {"--rounds", true,
     [](Options& o, FlagName f, const char* v) { o.rounds = parse_number(f, v); }},
    {"--warmup", true,
     [](Options& o, FlagName f, const char* v) { o.warmup = parse_number(f, v); }},
    {"--blocks", true,
     [](Options& o, FlagName f, const char* v) { o.blocks = parse_number(f, v); }},
    {"--concurrency", true,
     [](Options& o, FlagName f, const char* v) { o.concurrency = parse_list(f, v); }},
    {"--concurrency-calls", true,
     [](Options& o, FlagName f, const char* v) { o.concurrency_calls = parse_number(f, v); }},
    {"--concurrency-repeats", true,
     [](Options& o, FlagName f, const char* v) { o.concurrency_repeats = parse_number(f, v); }},
    {"--bytes", true, [](Options& o, FlagName f, const char* v) { o.bytes = parse_number(f, v); }},
    {"--repeats", true,
     [](Options& o, FlagName f, const char* v) { o.repeats = parse_number(f, v); }},
    {"--chunks", true, [](Options& o, FlagName f, const char* v) { o.chunks = parse_list(f, v); }},
    {"--sink", true, [](Options& o, FlagName, const char* v) { o.sinks = parse_sinks(v); }},
    {"--json", true, [](Options& o, FlagName, const char* v) { o.json = v; }},
    {"--pin", true,
     [](Options& o, FlagName f,
        const char* v) { o.pin_cpu = static_cast<int>(parse_number(f, v, true)); }},
    {"--idle-connections", true,
     [](Options& o, FlagName f, const char* v) { o.idle_connections = parse_number(f, v); }},
    {"--skip-latency", false, [](Options& o, FlagName, const char*) { o.skip_latency = true; }},
    {"--skip-concurrency", false,
     [](Options& o, FlagName, const char*) { o.skip_concurrency = true; }},
    {"--skip-throughput", false,
     [](Options& o, FlagName, const char*) { o.skip_throughput = true; }},
});

const Flag& find_flag(const std::string& name) {
    for (const Flag& flag : kFlags) {
        if (name == flag.name) return flag;
    }
    usage();
    fail("unknown option " + name);
}

}  // namespace

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "-h" || name == "--help") {
            usage();
            std::exit(0);
        }
        const Flag& flag = find_flag(name);
        if (flag.takes_value && i + 1 >= argc) {
            usage();
            fail(name + " needs a value");
        }
        flag.apply(o, name, flag.takes_value ? argv[++i] : nullptr);
    }
    if (o.server.empty() || o.client.empty()) {
        usage();
        fail("--server and --client are required");
    }
    for (const auto* path : {&o.server, &o.client}) {
        if (access(path->c_str(), X_OK) != 0) fail(errno_text(*path));
    }
    return o;
}

}  // namespace bro::e2e
