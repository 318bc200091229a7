// bro_e2e_bench: end-to-end comparison of running a command directly with running it through
// bro, in content mode and in fd-passing mode. It starts its own bro-servers on sockets in a
// private temp dir (for /bin/true and /bin/cat, each once content-only and once with
// --fd-passing), writes the wrapper scripts and wrapper files that point at the /bin/true
// servers into the same dir, then measures, always interleaving the direct baseline and every
// bro arm so that machine noise hits all of them alike. Every bro-client run pins its mode
// (BRO_TRANSFER_MODE content or fd), except the one arm that measures the default (auto)
// against a content-only server, which pays for the refused fd attempt and the fallback:
//
//  latency      /bin/true spawned directly (posix_spawn + waitpid) vs `true` through bro, in
//               content mode (content-only server) and fd mode (--fd-passing server), each
//               invoked three ways: bro-client with the BRO_* settings in its environment; a
//               bash wrapper script (`#!/bin/bash`, `export BRO_...`, `exec bro-client "$@"`,
//               the form the original bro documents) executed directly; and a wrapper file
//               (`#!/path/to/bro-client` plus BRO_* lines, client/wrapper_file.hpp) executed
//               directly, which the kernel runs as `bro-client FILE`, no shell. Its settings
//               override the environment, so it runs with an empty one. Plus auto against the
//               content-only server (fd attempt, ModeRejected, content retry), and bro-client
//               alone (socket absent: it starts, fails to connect and exits), the client's own
//               share. stdin and stdout are /dev/null for all. Reports p50/p90/p99, each arm's
//               ratio of medians to direct with its spread (the min/max of the ratio of medians
//               within each of --blocks consecutive blocks of rounds) beside the issue's target,
//               and differences of medians with the same spread: the fallback's cost, and each
//               wrapper's cost over bro-client started directly.
//  concurrency  for each C in --concurrency: C threads each loop spawn + wait, until together
//               they made max(--concurrency-calls, 20*C) calls; calls per second of /bin/true
//               direct vs bro fd mode (bro-client, env settings), --concurrency-repeats
//               interleaved pairs per level (the order alternates). Reports median rates, the
//               median and min/max of the per-pair ratio bro/direct, and p50/p99 latency. The
//               bench raises its RLIMIT_NOFILE soft limit to the hard one first, so that the
//               servers (which inherit it, and hold a few descriptors per session) are not
//               throttled by EMFILE; their accept backlog is SOMAXCONN.
//  throughput   --bytes from a producer thread through `cat`: producer -> /bin/cat -> sink vs
//               producer -> bro-client[cat server] -> sink in content mode and in fd mode, where
//               the sink is a pipe read and discarded by a thread (--sink pipe) or /dev/null as
//               the child's stdout (--sink null, DESIGN §5's `head | cat >/dev/null`).
//               --repeats interleaved triples (direct, content, fd; the order rotates) per sink
//               and write size; reports GB/s medians, each mode's ratio of medians to direct,
//               and the min/max of the per-triple ratios.
//
// Usage: bro_e2e_bench --server PATH --client PATH [--rounds N] [--warmup N] [--blocks N]
//                      [--concurrency C,...] [--concurrency-calls N] [--concurrency-repeats N]
//                      [--bytes N] [--repeats N] [--sink pipe|null|both] [--chunks N,...]
//                      [--pin CPU] [--skip-latency] [--skip-concurrency] [--skip-throughput]
//                      [--json FILE]
// --chunks: the producer's write sizes, one throughput measurement per size and sink.
// --pin: runs everything (harness threads, servers, clients, children) on one CPU. On a VM the
//        direct pipeline's speed depends on whether its two ends share a vCPU (a wake-up across
//        vCPUs is an IPI and a VM exit), which varies with whatever else runs; pinned, the
//        ratio is stable and compares CPU cost per byte.
// Plain C++ and POSIX on purpose: no dependency on anything the product links.

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <latch>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/concurrency.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/footprint.hpp"
#include "bench/e2e/latency.hpp"
#include "bench/e2e/options.hpp"
#include "bench/e2e/pipeline.hpp"
#include "bench/e2e/process_setup.hpp"
#include "bench/e2e/process_usage.hpp"
#include "bench/e2e/route.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/sink.hpp"
#include "bench/e2e/spawn.hpp"
#include "bench/e2e/statistics.hpp"
#include "bench/e2e/temp_dir.hpp"
#include "bench/e2e/throughput.hpp"
#include "bench/e2e/unix_socket.hpp"
#include "bench/e2e/wrapper_files.hpp"

namespace bro::e2e {
namespace {

// ---------------------------------------------------------------------------------------------
// Small utilities

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string machine_description() {
    utsname u{};
    uname(&u);
    std::string cpu = "unknown";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
    return std::to_string(std::thread::hardware_concurrency()) + " CPU(s), " + cpu + ", Linux " +
           u.release;
}

std::string ms(double seconds) {
    return fixed(seconds * 1e3, 3);
}

std::string gbps_row(const char* name, double med, const std::vector<double>& v) {
    return std::string("| ") + name + " | " + fixed(med, 2) + " | " +
           fixed(*std::min_element(v.begin(), v.end()), 2) + " | " +
           fixed(*std::max_element(v.begin(), v.end()), 2) + " |\n";
}

std::string ratio_text(double ratio) {
    return fixed(ratio, 2) + "x";
}

// "<= 1.40x: met" beside a ceiling, ">= 0.80x: met" beside a floor; empty without a target.
// Judged on the ratio as printed (two decimals), so that "0.80x" never reads "not met".
std::string target_text(double target, double measured, bool ceiling) {
    if (target <= 0) return "";
    const double shown = std::round(measured * 100) / 100;
    const bool met = ceiling ? shown <= target : shown >= target;
    return std::string(ceiling ? "<= " : ">= ") + ratio_text(target) +
           (met ? ": met" : ": **not met**");
}

std::string latency_row(std::size_t a, const LatencyResult& l) {
    const LatencyArm& arm = kLatencyArms[a];
    const Distribution& d = l.arms[a];
    const Spread& r = l.ratios[a];
    std::string row = "| " + std::string(arm.label) + " | " + ms(d.p50) + " | " + ms(d.p90) +
                      " | " + ms(d.p99) + " | " + ms(d.mean) + " | " + ms(d.min) + " | ";
    if (a == kDirectArm) return row + "(baseline) | | |\n";
    const double p99_ratio = d.p99 / l.arms[kDirectArm].p99;
    return row + "**" + ratio_text(r.value) + "** (" + ratio_text(r.min) + "-" + ratio_text(r.max) +
           ") | " + ratio_text(p99_ratio) + " | " + target_text(arm.target, r.value, true) + " |\n";
}

void print_latency(const LatencyResult& l) {
    std::printf(
        "Latency, `true` (%zu interleaved rounds, ms; ratios to `/bin/true` direct, with the "
        "min-max of the ratio within each block of rounds)\n\n",
        l.rounds);
    std::printf(
        "| run | p50 | p90 | p99 | mean | min | **p50 ratio** (blocks) | p99 ratio | target |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    for (std::size_t a = 0; a < kLatencyArmCount; ++a) std::printf("%s", latency_row(a, l).c_str());
    std::printf("\nCost of each step (difference of p50s, ms)\n\n");
    std::printf("| step | p50 difference | blocks min-max |\n|---|---|---|\n");
    for (std::size_t d = 0; d < kDifferenceCount; ++d) {
        const Spread& s = l.differences[d];
        std::printf("| %s | %s | %s-%s |\n", kDifferences[d].label, ms(s.value).c_str(),
                    ms(s.min).c_str(), ms(s.max).c_str());
    }
}

std::string rate_cell(const ConcurrencyArmResult& arm) {
    const auto [low, high] = std::minmax_element(arm.rates.begin(), arm.rates.end());
    return fixed(arm.median_rate, 0) + " (" + fixed(*low, 0) + "-" + fixed(*high, 0) + ")";
}

std::string concurrency_row(const ConcurrencyLevel& level) {
    const auto& direct = level.arms[0];
    const auto& fd = level.arms[1];
    const Spread& r = level.ratio;
    const double target = level.callers == kConcurrencyTargetCallers ? kConcurrencyTarget : 0;
    return "| " + std::to_string(level.callers) + " | " + std::to_string(level.calls) + " | " +
           rate_cell(direct) + " | " + rate_cell(fd) + " | **" + ratio_text(r.value) + "** (" +
           ratio_text(r.min) + "-" + ratio_text(r.max) + ") | " + ms(direct.latency.p50) + " / " +
           ms(direct.latency.p99) + " | " + ms(fd.latency.p50) + " / " + ms(fd.latency.p99) +
           " | " + target_text(target, r.value, false) + " |\n";
}

void print_concurrency(const std::vector<ConcurrencyLevel>& levels, std::size_t repeats) {
    std::printf(
        "\nConcurrency, `true`: C callers (threads) each looping spawn + wait (calls/s, median "
        "of %zu interleaved pairs per level with min-max; ratio: median and min-max of the "
        "per-pair ratios)\n\n",
        repeats);
    std::printf(
        "| callers | calls per run | `/bin/true` direct, calls/s | bro fd mode, calls/s | "
        "**ratio fd/direct** (pairs) | direct p50 / p99 ms | bro fd p50 / p99 ms | target |\n"
        "|---|---|---|---|---|---|---|---|\n");
    for (const auto& level : levels) std::printf("%s", concurrency_row(level).c_str());
}

void print_throughput(const ThroughputResult& t) {
    std::printf(
        "\nThroughput, %s MiB producer (%zu KiB writes) -> cat -> %s (%zu interleaved triples, "
        "GB/s)\n\n",
        fixed(static_cast<double>(t.bytes) / (1 << 20), 0).c_str(), t.chunk >> 10,
        t.sink == Sink::kPipe ? "pipe read by a thread" : "/dev/null", t.arms.front().gbps.size());
    std::printf("| run | median | min | max |\n|---|---|---|---|\n");
    for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
        const ArmThroughput& a = t.arms[arm];
        std::printf("%s", gbps_row(kThroughputArms[arm].label, a.median, a.gbps).c_str());
    }
    for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
        if (arm == kDirectThroughputArm) continue;
        const ArmThroughput& a = t.arms[arm];
        std::printf("| **ratio %s/direct** | **%sx** (triples %sx-%sx) | | |\n",
                    kThroughputArms[arm].key, fixed(a.ratio, 2).c_str(),
                    fixed(a.ratio_min, 2).c_str(), fixed(a.ratio_max, 2).c_str());
    }
}

std::string json_array(const std::vector<double>& values, int digits) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) s += ", ";
        s += fixed(values[i], digits);
    }
    return s + "]";
}

std::string json_distribution(const Distribution& d) {
    return "{\"p50_ms\": " + ms(d.p50) + ", \"p90_ms\": " + ms(d.p90) +
           ", \"p99_ms\": " + ms(d.p99) + ", \"mean_ms\": " + ms(d.mean) +
           ", \"min_ms\": " + ms(d.min) + ", \"max_ms\": " + ms(d.max) + "}";
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Footprint: the fd-mode server's memory idle and holding idle connections, and its CPU time
// per call (from /proc, around the latency loop).

void print_footprint(const Footprint& f) {
    std::printf(
        "\nServer footprint (the fd-mode `/bin/true` server)\n\n| measure | value |\n|---|---|\n");
    std::printf("| RSS idle (after the latency loop) | %.1f MiB |\n", f.rss_idle_kib / 1024.0);
    std::printf("| RSS with %zu idle connections | %.1f MiB (%.1f KiB per connection) |\n",
                f.connections, f.rss_connected_kib / 1024.0,
                f.connections ? static_cast<double>(f.rss_connected_kib - f.rss_idle_kib) /
                                    static_cast<double>(f.connections)
                              : 0.0);
    std::printf("| peak RSS (VmHWM) | %.1f MiB |\n", f.hwm_kib / 1024.0);
    std::printf("| server fds: before / with connections / after closing | %d / %d / %d |\n",
                f.fds_before, f.fds_connected, f.fds_after);
    if (f.cpu_us_per_call >= 0) {
        std::printf("| server CPU per fd-mode call (utime+stime over %zu calls) | %.0f us |\n",
                    f.calls, f.cpu_us_per_call);
    }
}

void write_footprint_json(std::ostringstream& j, const Footprint& f) {
    j << "  \"footprint\": {\"rss_idle_kib\": " << f.rss_idle_kib
      << ", \"rss_connected_kib\": " << f.rss_connected_kib
      << ", \"connections\": " << f.connections << ", \"hwm_kib\": " << f.hwm_kib
      << ", \"fds_before\": " << f.fds_before << ", \"fds_connected\": " << f.fds_connected
      << ", \"fds_after\": " << f.fds_after
      << ", \"server_cpu_us_per_fd_call\": " << fixed(f.cpu_us_per_call, 1)
      << ", \"calls\": " << f.calls << "},\n";
}

struct Results {
    std::optional<Footprint> footprint;
    std::optional<LatencyResult> latency;
    std::vector<ConcurrencyLevel> concurrency;
    std::vector<ThroughputResult> throughputs;
};

void print_report(const Results& results, const Options& options) {
    std::printf("\nMachine: %s\n", machine_description().c_str());
    if (options.pin_cpu >= 0) {
        std::printf("Everything (harness, servers, clients, children) pinned to CPU %d.\n",
                    options.pin_cpu);
    }
    std::printf("\n");
    if (results.latency) print_latency(*results.latency);
    if (!results.concurrency.empty()) {
        print_concurrency(results.concurrency, options.concurrency_repeats);
    }
    for (const auto& t : results.throughputs) print_throughput(t);
    if (results.footprint) print_footprint(*results.footprint);
    std::fflush(stdout);
}

// "NAME": value, "NAME_PART_min": ..., "NAME_PART_max": ..., "NAME_PARTs": [...]
std::string json_spread(const std::string& name, const std::string& part, const Spread& s,
                        int digits, double scale = 1) {
    std::vector<double> parts;
    for (double p : s.parts) parts.push_back(p * scale);
    const std::string prefix = "\"" + name + "_" + part;
    return "\"" + name + "\": " + fixed(s.value * scale, digits) + ", " + prefix +
           "_min\": " + fixed(s.min * scale, digits) + ", " + prefix +
           "_max\": " + fixed(s.max * scale, digits) + ", " + prefix +
           "s\": " + json_array(parts, digits);
}

void write_latency_json(std::ostringstream& j, const LatencyResult& l) {
    j << "  \"latency\": {\n    \"rounds\": " << l.rounds << ",\n    \"arms\": {";
    for (std::size_t a = 0; a < kLatencyArmCount; ++a) {
        const LatencyArm& arm = kLatencyArms[a];
        j << (a ? ",\n" : "\n") << "      \"" << arm.key << "\": {\"label\": \""
          << json_escape(arm.label) << "\", \"distribution\": " << json_distribution(l.arms[a])
          << ", " << json_spread("ratio_p50", "block", l.ratios[a], 3)
          << ", \"ratio_p99\": " << fixed(l.arms[a].p99 / l.arms[kDirectArm].p99, 3)
          << ", \"target_ratio_p50\": " << (arm.target > 0 ? fixed(arm.target, 2) : "null") << "}";
    }
    j << "\n    },\n    \"differences\": {";
    for (std::size_t d = 0; d < kDifferenceCount; ++d) {
        j << (d ? ",\n" : "\n") << "      \"" << kDifferences[d].key << "\": {\"label\": \""
          << json_escape(kDifferences[d].label) << "\", "
          << json_spread("p50_ms", "block", l.differences[d], 3, 1e3) << "}";
    }
    j << "\n    }\n  },\n";
}

std::string json_concurrency_arm(const ConcurrencyArmResult& arm) {
    return "{\"calls_per_second\": " + json_array(arm.rates, 0) +
           ", \"median_calls_per_second\": " + fixed(arm.median_rate, 0) +
           ", \"latency\": " + json_distribution(arm.latency) + "}";
}

void write_concurrency_json(std::ostringstream& j, const std::vector<ConcurrencyLevel>& levels) {
    j << "  \"concurrency\": [";
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const ConcurrencyLevel& level = levels[i];
        const bool targeted = level.callers == kConcurrencyTargetCallers;
        j << (i ? ",\n" : "\n") << "    {\"callers\": " << level.callers
          << ", \"calls_per_run\": " << level.calls
          << ", \"direct\": " << json_concurrency_arm(level.arms[0])
          << ", \"fd\": " << json_concurrency_arm(level.arms[1]) << ", "
          << json_spread("ratio", "pair", level.ratio, 3)
          << ", \"target_ratio\": " << (targeted ? fixed(kConcurrencyTarget, 2) : "null") << "}";
    }
    j << "\n  ],\n";
}

void write_throughput_json(std::ostringstream& j,
                           const std::vector<ThroughputResult>& throughputs) {
    j << "  \"throughput\": [";
    for (std::size_t i = 0; i < throughputs.size(); ++i) {
        const auto& t = throughputs[i];
        j << (i ? ",\n" : "\n");
        j << "    {\n      \"sink\": \"" << sink_name(t.sink) << "\",\n";
        j << "      \"bytes\": " << t.bytes << ",\n";
        j << "      \"producer_write_bytes\": " << t.chunk;
        for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
            const ArmThroughput& a = t.arms[arm];
            j << ",\n      \"" << kThroughputArms[arm].key
              << "\": {\"gbps\": " << json_array(a.gbps, 3)
              << ", \"median_gbps\": " << fixed(a.median, 3) << ", \"ratio\": " << fixed(a.ratio, 3)
              << ", \"ratio_triple_min\": " << fixed(a.ratio_min, 3)
              << ", \"ratio_triple_max\": " << fixed(a.ratio_max, 3)
              << ", \"triple_ratios\": " << json_array(a.ratios, 3) << "}";
        }
        j << "\n    }";
    }
    j << "\n  ]\n";
}

void write_json(const std::string& path, const Results& results, const Options& options) {
    std::ostringstream j;
    j << "{\n  \"machine\": \"" << json_escape(machine_description()) << "\",\n";
    j << "  \"pinned_cpu\": " << options.pin_cpu << ",\n";
    if (results.latency) write_latency_json(j, *results.latency);
    if (!results.concurrency.empty()) write_concurrency_json(j, results.concurrency);
    if (results.footprint) write_footprint_json(j, *results.footprint);
    write_throughput_json(j, results.throughputs);
    j << "}\n";
    std::ofstream file(path);
    file << j.str();
    if (!file) fail("cannot write " + path);
}

// ---------------------------------------------------------------------------------------------

// Latency and concurrency, against the /bin/true servers.
void measure_true(const Options& options, TempDir& dir, Results& results) {
    const ServerProcess content = start_bro_server(options.server, "/bin/true",
                                                   dir.path() + "/true.sock", ServerMode::kContent);
    const ServerProcess fd = start_bro_server(options.server, "/bin/true",
                                              dir.path() + "/true-fd.sock", ServerMode::kFdPassing);
    const ServerProcess s6 = start_s6_server("/bin/true", dir.path() + "/true-s6.sock");
    const Endpoints endpoints{absolute_client(options.client), content.socket_path(),
                              fd.socket_path(), s6.socket_path()};
    const std::vector<Invocation> runs = make_latency_invocations(endpoints, dir);
    if (!options.skip_latency) {
        std::fprintf(stderr, "latency: %zu warm-up + %zu interleaved rounds of %zu arms...\n",
                     options.warmup, options.rounds, kLatencyArmCount);
        const double start = now_seconds();
        const double fd_cpu_before = cpu_seconds(fd.pid());
        results.latency = measure_latency(options, runs);
        Footprint footprint;
        // fd, fd_script and fd_wrapper_file reach the fd server, once per round each.
        footprint.calls = 3 * (options.rounds + options.warmup);
        footprint.cpu_us_per_call =
            (cpu_seconds(fd.pid()) - fd_cpu_before) * 1e6 / static_cast<double>(footprint.calls);
        std::fprintf(stderr, "latency took %.0f s\n", now_seconds() - start);
        measure_idle_connections(fd, options.idle_connections, footprint);
        results.footprint = footprint;
    }
    if (!options.skip_concurrency) {
        std::fprintf(stderr, "concurrency: %zu interleaved pairs per level...\n",
                     options.concurrency_repeats);
        const double start = now_seconds();
        results.concurrency = measure_concurrency(options, runs);
        std::fprintf(stderr, "concurrency took %.0f s\n", now_seconds() - start);
    }
}

}  // namespace
}  // namespace bro::e2e

int main(int argc, char** argv) {
    using namespace bro::e2e;
    signal(SIGPIPE, SIG_IGN);  // a child that dies early must show up as an error, not kill us
    try {
        const Options options = parse_options(argc, argv);
        if (options.pin_cpu >= 0) pin_to_cpu(options.pin_cpu);
        raise_descriptor_limit();
        TempDir dir;
        Results results;
        if (!options.skip_latency || !options.skip_concurrency) measure_true(options, dir, results);
        if (!options.skip_throughput) results.throughputs = measure_throughput(options, dir);
        print_report(results, options);
        if (!options.json.empty()) write_json(options.json, results, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bro_e2e_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
