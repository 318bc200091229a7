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

// The flag as typed, for error messages.
using FlagName = const std::string&;

struct Flag {
    const char* name = "";
    bool takes_value = true;
    void (*apply)(Options&, FlagName flag, const char* value) = nullptr;
};

// A flag's apply function for each kind of option: text, a positive number, a list of them, and
// a switch that takes no value.
template <auto kMember>
void set_text(Options& o, FlagName, const char* value) {
    o.*kMember = value;
}

template <auto kMember>
void set_number(Options& o, FlagName flag, const char* value) {
    o.*kMember = parse_number(flag, value);
}

template <auto kMember>
void set_list(Options& o, FlagName flag, const char* value) {
    o.*kMember = parse_list(flag, value);
}

template <auto kMember>
void set_switch(Options& o, FlagName, const char*) {
    o.*kMember = true;
}

const auto kFlags = std::to_array<Flag>({
    {"--server", true, set_text<&Options::server>},
    {"--client", true, set_text<&Options::client>},
    {"--rounds", true, set_number<&Options::rounds>},
    {"--warmup", true, set_number<&Options::warmup>},
    {"--blocks", true, set_number<&Options::blocks>},
    {"--concurrency", true, set_list<&Options::concurrency>},
    {"--concurrency-calls", true, set_number<&Options::concurrency_calls>},
    {"--concurrency-repeats", true, set_number<&Options::concurrency_repeats>},
    {"--bytes", true, set_number<&Options::bytes>},
    {"--repeats", true, set_number<&Options::repeats>},
    {"--chunks", true, set_list<&Options::chunks>},
    {"--sink", true, [](Options& o, FlagName, const char* v) { o.sinks = parse_sinks(v); }},
    {"--json", true, set_text<&Options::json>},
    {"--pin", true,
     [](Options& o, FlagName f, const char* v) {
         o.pin_cpu = static_cast<int>(parse_number(f, v, true));
     }},
    {"--idle-connections", true, set_number<&Options::idle_connections>},
    {"--skip-latency", false, set_switch<&Options::skip_latency>},
    {"--skip-concurrency", false, set_switch<&Options::skip_concurrency>},
    {"--skip-throughput", false, set_switch<&Options::skip_throughput>},
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
