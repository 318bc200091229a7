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
#include "bench/e2e/failure.hpp"
#include "bench/e2e/pipeline.hpp"
#include "bench/e2e/process_setup.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/sink.hpp"
#include "bench/e2e/spawn.hpp"
#include "bench/e2e/temp_dir.hpp"
#include "bench/e2e/unix_socket.hpp"
#include "bench/e2e/wrapper_files.hpp"

namespace bro::e2e {
namespace {

// ---------------------------------------------------------------------------------------------
// Small utilities

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    // Nearest-rank on a 0-based index, interpolated between neighbours.
    const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
    const auto low = static_cast<std::size_t>(std::floor(rank));
    const auto high = std::min(low + 1, values.size() - 1);
    const double fraction = rank - static_cast<double>(low);
    return values[low] + (values[high] - values[low]) * fraction;
}

double median(const std::vector<double>& values) {
    return percentile(values, 50);
}

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
    std::string server;
    std::string client;
    std::size_t rounds = 2000;
    std::size_t warmup = 50;
    std::size_t blocks = 10;
    // Concurrent callers per level; each level runs max(concurrency_calls, 20 * callers) calls
    // per arm and repeat, so that every caller makes enough calls to reach a steady state.
    std::vector<std::size_t> concurrency = {1, 8, 64};
    std::size_t concurrency_calls = 400;
    std::size_t concurrency_repeats = 3;
    std::uint64_t bytes = 1ull << 30;
    std::size_t repeats = 3;
    // Producer write sizes: 8 KiB is what head(1) writes (DESIGN §5's `head | cat`), 128 KiB
    // a bulk writer. The direct pipeline's speed depends strongly on it (see docs/BENCHMARKS.md).
    std::vector<std::size_t> chunks = {8 << 10, 128 << 10};
    std::vector<Sink> sinks = {Sink::kPipe, Sink::kNull};
    std::string json;
    int pin_cpu = -1;  // --pin: run everything on this one CPU
    bool skip_latency = false;
    std::size_t idle_connections = 1000;  // for the server's RSS with idle connections
    bool skip_concurrency = false;
    bool skip_throughput = false;
};

// ---------------------------------------------------------------------------------------------
// Arms: how a measured run invokes `true`

// Which server a bro run talks to, and in which mode. kAuto leaves BRO_TRANSFER_MODE unset
// against the content-only server; kAbsent names a socket that does not exist.
enum class Route { kNone, kContent, kFd, kAuto, kAbsent };

struct RouteSpec {
    bool fd_server = false;
    const char* socket_suffix = "";
    const char* mode = "";  // BRO_TRANSFER_MODE; empty: unset (auto)
};

// Indexed by Route.
constexpr std::array<RouteSpec, 5> kRoutes = {{
    {},
    {false, "", "content"},
    {true, "", "fd"},
    {false, "", ""},
    {false, ".absent", "content"},
}};

// How `true` is started. kExec: /bin/true itself. The others run bro-client with the route's
// settings: in its environment (kEnv), exported by a bash wrapper script that execs it
// (kScript), or as the lines of a wrapper file whose #! line names it (kWrapperFile).
// kS6Sudo: the peer, s6-sudo against an s6-ipcserver + s6-sudod for /bin/true.
enum class Via { kExec, kEnv, kScript, kWrapperFile, kS6Sudo };

// bro-client's exit code when it cannot reach the server (client/exit_code.hpp).
constexpr int kClientFailureExit = 125;

struct LatencyArm {
    const char* key = "";
    const char* label = "";
    Via via = Via::kExec;
    Route route = Route::kNone;
    int expected_exit = 0;
    double target = 0;  // the issue's ceiling for the ratio of medians to direct; 0: none
};

// The latency loop's arms, in the order of its rotation and of the report. "direct" first: the
// other arms' ratios are to it.
constexpr auto kLatencyArms = std::to_array<LatencyArm>({
    {"direct", "`/bin/true` direct", Via::kExec, Route::kNone, 0, 0},
    {"content", "bro content mode, bro-client + env", Via::kEnv, Route::kContent, 0, 1.5},
    {"fd", "bro fd mode, bro-client + env", Via::kEnv, Route::kFd, 0, 1.4},
    {"content_script", "bro content mode, bash wrapper script", Via::kScript, Route::kContent, 0,
     0},
    {"fd_script", "bro fd mode, bash wrapper script", Via::kScript, Route::kFd, 0, 0},
    {"content_wrapper_file", "bro content mode, wrapper file", Via::kWrapperFile, Route::kContent,
     0, 0},
    {"fd_wrapper_file", "bro fd mode, wrapper file", Via::kWrapperFile, Route::kFd, 0, 1.45},
    {"auto_fallback", "bro auto against a content-only server (fd attempt + fallback)", Via::kEnv,
     Route::kAuto, 0, 0},
    {"s6_sudo", "peer: s6-sudo (s6-ipcserver + s6-sudod, passes fds)", Via::kS6Sudo, Route::kNone,
     0, 0},
    {"client_only", "bro-client alone (no server, connect fails)", Via::kEnv, Route::kAbsent,
     kClientFailureExit, 0},
});
constexpr std::size_t kLatencyArmCount = kLatencyArms.size();

constexpr std::size_t arm_index(std::string_view key) {
    for (std::size_t i = 0; i < kLatencyArmCount; ++i) {
        if (kLatencyArms[i].key == key) return i;
    }
    throw std::logic_error("no such latency arm");  // in a constant expression: a build error
}

constexpr std::size_t kDirectArm = arm_index("direct");

// Differences of medians between two latency arms: what one step costs.
struct Difference {
    const char* key = "";
    const char* label = "";
    std::size_t arm = 0;
    std::size_t base = 0;
};

constexpr auto kDifferences = std::to_array<Difference>({
    {"fallback_cost", "auto fallback: auto against a content-only server - pinned content",
     arm_index("auto_fallback"), arm_index("content")},
    {"fd_script_cost", "bash wrapper script, fd mode: script - bro-client + env",
     arm_index("fd_script"), arm_index("fd")},
    {"fd_wrapper_file_cost", "wrapper file, fd mode: wrapper file - bro-client + env",
     arm_index("fd_wrapper_file"), arm_index("fd")},
    {"content_script_cost", "bash wrapper script, content mode: script - bro-client + env",
     arm_index("content_script"), arm_index("content")},
    {"content_wrapper_file_cost", "wrapper file, content mode: wrapper file - bro-client + env",
     arm_index("content_wrapper_file"), arm_index("content")},
    {"fd_saving", "fd mode instead of content mode: content - fd (bro-client + env)",
     arm_index("content"), arm_index("fd")},
});
constexpr std::size_t kDifferenceCount = kDifferences.size();

// What the bro arms point at.
struct Endpoints {
    std::string client;          // absolute: it also goes into #! and exec lines
    std::string content_socket;  // content-only server for /bin/true
    std::string fd_socket;       // --fd-passing server for /bin/true
    std::string s6_socket;       // s6-ipcserver + s6-sudod for /bin/true
};

// A ready-to-spawn run: program and argv, environment, and the exit status it must give.
struct Invocation {
    Argv argv;
    Environment env;
    int expected_exit = 0;
};

std::vector<std::string> route_settings(Route route, const Endpoints& e) {
    const RouteSpec& spec = kRoutes[static_cast<std::size_t>(route)];
    std::vector<std::string> settings = {
        "BRO_SOCKET_PATH=" + (spec.fd_server ? e.fd_socket : e.content_socket) +
        spec.socket_suffix};
    if (*spec.mode) settings.push_back(std::string("BRO_TRANSFER_MODE=") + spec.mode);
    return settings;
}

Invocation make_invocation(const LatencyArm& arm, const Endpoints& e, TempDir& dir) {
    const auto settings = route_settings(arm.route, e);
    switch (arm.via) {
        case Via::kExec:
            return {Argv({"/bin/true"}), Environment({}), arm.expected_exit};
        case Via::kEnv:
            return {Argv({e.client}), Environment(settings), arm.expected_exit};
        case Via::kScript:
            return {Argv({dir.add_executable(arm.key, wrapper_script(settings, e.client))}),
                    Environment({}), arm.expected_exit};
        case Via::kWrapperFile:
            // The file's settings override the environment anyway: start from nothing.
            return {Argv({dir.add_executable(arm.key, wrapper_file(settings, e.client))}),
                    Environment({}, Inherit::kNothing), arm.expected_exit};
        case Via::kS6Sudo:
            return {Argv({kS6Sudo, e.s6_socket}), Environment({}), arm.expected_exit};
    }
    fail("unknown way to invoke");
}

std::vector<Invocation> make_latency_invocations(const Endpoints& e, TempDir& dir) {
    std::vector<Invocation> invocations;
    for (const LatencyArm& arm : kLatencyArms) invocations.push_back(make_invocation(arm, e, dir));
    return invocations;
}

double time_run(const Invocation& run) {
    Stdio stdio;
    stdio.quiet_stderr = run.expected_exit != 0;
    const double start = now_seconds();
    const pid_t pid = spawn(run.argv, run.env, stdio);
    const int status = wait_for(pid);
    const double elapsed = now_seconds() - start;
    expect_success(status, run.argv.program(), run.expected_exit);
    return elapsed;
}

// ---------------------------------------------------------------------------------------------
// Latency

struct Distribution {
    double p50 = 0, p90 = 0, p99 = 0, mean = 0, min = 0, max = 0;
    static Distribution of(const std::vector<double>& v) {
        double sum = 0;
        for (double x : v) sum += x;
        return {percentile(v, 50),
                percentile(v, 90),
                percentile(v, 99),
                sum / static_cast<double>(v.size()),
                *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end())};
    }
};

// A statistic over the whole run, and the same statistic within parts of it (blocks of rounds,
// or repeats) with their min/max.
struct Spread {
    double value = 0, min = 0, max = 0;
    std::vector<double> parts;
};

void set_range(Spread& s) {
    s.min = *std::min_element(s.parts.begin(), s.parts.end());
    s.max = *std::max_element(s.parts.begin(), s.parts.end());
}

double ratio_of(double a, double b) {
    return a / b;
}

double difference_of(double a, double b) {
    return a - b;
}

// combine(median(a), median(b)) over all rounds, and within each of `blocks` consecutive
// blocks of rounds (a and b hold the same rounds).
Spread block_spread(const std::vector<double>& a, const std::vector<double>& b, std::size_t blocks,
                    double (*combine)(double, double)) {
    blocks = std::max<std::size_t>(1, std::min(blocks, a.size()));
    const std::size_t per_block = a.size() / blocks;
    const auto block_median = [&](const std::vector<double>& v, std::size_t k) {
        const auto begin = v.begin() + static_cast<std::ptrdiff_t>(k * per_block);
        const auto end = k + 1 == blocks
                             ? v.end()
                             : v.begin() + static_cast<std::ptrdiff_t>((k + 1) * per_block);
        return median(std::vector<double>(begin, end));
    };
    Spread s;
    s.value = combine(median(a), median(b));
    for (std::size_t k = 0; k < blocks; ++k) {
        s.parts.push_back(combine(block_median(a, k), block_median(b, k)));
    }
    set_range(s);
    return s;
}

struct LatencyResult {
    std::size_t rounds = 0;
    std::array<Distribution, kLatencyArmCount> arms = {};   // seconds
    std::array<Spread, kLatencyArmCount> ratios = {};       // median(arm) / median(direct)
    std::array<Spread, kDifferenceCount> differences = {};  // seconds
};

using LatencySamples = std::array<std::vector<double>, kLatencyArmCount>;

LatencySamples collect_latency(const Options& options, const std::vector<Invocation>& runs) {
    for (std::size_t i = 0; i < options.warmup; ++i) {
        for (const Invocation& run : runs) time_run(run);
    }
    LatencySamples samples;
    for (auto& s : samples) s.reserve(options.rounds);
    for (std::size_t i = 0; i < options.rounds; ++i) {
        // Rotate which goes first so none always runs right after the same other one.
        for (std::size_t k = 0; k < kLatencyArmCount; ++k) {
            const std::size_t index = (i + k) % kLatencyArmCount;
            samples[index].push_back(time_run(runs[index]));
        }
    }
    return samples;
}

LatencyResult measure_latency(const Options& options, const std::vector<Invocation>& runs) {
    const LatencySamples samples = collect_latency(options, runs);
    LatencyResult result;
    result.rounds = options.rounds;
    for (std::size_t a = 0; a < kLatencyArmCount; ++a) {
        result.arms[a] = Distribution::of(samples[a]);
        result.ratios[a] = block_spread(samples[a], samples[kDirectArm], options.blocks, ratio_of);
    }
    for (std::size_t d = 0; d < kDifferenceCount; ++d) {
        const Difference& spec = kDifferences[d];
        result.differences[d] =
            block_spread(samples[spec.arm], samples[spec.base], options.blocks, difference_of);
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// Concurrency

// The concurrency arms: /bin/true direct and bro fd mode (bro-client + env), in this order.
constexpr std::array<std::size_t, 2> kConcurrencyArms = {kDirectArm, arm_index("fd")};
constexpr std::size_t kCallsPerCaller = 20;
// The issue's target: with this many callers, bro fd mode makes at least this share of the
// direct spawn rate.
constexpr std::size_t kConcurrencyTargetCallers = 64;
constexpr double kConcurrencyTarget = 0.8;

// One run: `calls` calls shared by `callers` threads, each looping spawn + wait.
struct ConcurrentRun {
    double seconds = 0;             // from releasing the threads until the last one finished
    std::vector<double> latencies;  // seconds, one per call
};

// One caller's loop. Errors are kept for the main thread: an exception must not escape a thread.
void caller_loop(const Invocation& run, std::size_t calls, std::vector<double>& latencies,
                 std::string& error, std::mutex& error_mutex) {
    try {
        for (std::size_t i = 0; i < calls; ++i) latencies.push_back(time_run(run));
    } catch (const std::exception& e) {
        const std::lock_guard lock(error_mutex);
        if (error.empty()) error = e.what();
    }
}

ConcurrentRun run_concurrently(const Invocation& run, std::size_t callers, std::size_t calls) {
    std::vector<std::vector<double>> latencies(callers);
    std::string error;
    std::mutex error_mutex;
    // All threads exist before the clock starts, so thread creation is not measured.
    std::latch ready(static_cast<std::ptrdiff_t>(callers));
    std::latch go(1);
    std::vector<std::thread> threads;
    threads.reserve(callers);
    for (std::size_t t = 0; t < callers; ++t) {
        const std::size_t share = calls / callers + (t < calls % callers ? 1 : 0);
        latencies[t].reserve(share);
        threads.emplace_back([&, t, share] {
            ready.count_down();
            go.wait();
            caller_loop(run, share, latencies[t], error, error_mutex);
        });
    }
    ready.wait();
    const double start = now_seconds();
    go.count_down();
    for (auto& thread : threads) thread.join();
    ConcurrentRun result;
    result.seconds = now_seconds() - start;
    if (!error.empty()) fail(error);
    for (const auto& l : latencies)
        result.latencies.insert(result.latencies.end(), l.begin(), l.end());
    return result;
}

struct ConcurrencyArmResult {
    std::vector<double> rates;      // calls per second, one per repeat
    std::vector<double> latencies;  // seconds, every call of every repeat
    double median_rate = 0;
    Distribution latency = {};
};

struct ConcurrencyLevel {
    std::size_t callers = 0;
    std::size_t calls = 0;  // per arm and repeat
    std::array<ConcurrencyArmResult, kConcurrencyArms.size()> arms = {};
    Spread ratio = {};  // rate bro / rate direct: median over the repeats, and per repeat
};

ConcurrencyLevel measure_level(const Options& options, const std::vector<Invocation>& runs,
                               std::size_t callers) {
    ConcurrencyLevel level;
    level.callers = callers;
    level.calls = std::max(options.concurrency_calls, kCallsPerCaller * callers);
    const std::size_t arms = kConcurrencyArms.size();
    for (std::size_t a : kConcurrencyArms) run_concurrently(runs[a], callers, callers);  // warm-up
    for (std::size_t r = 0; r < options.concurrency_repeats; ++r) {
        for (std::size_t k = 0; k < arms; ++k) {
            const std::size_t index = (r + k) % arms;  // alternate which arm goes first
            ConcurrentRun run =
                run_concurrently(runs[kConcurrencyArms[index]], callers, level.calls);
            ConcurrencyArmResult& arm = level.arms[index];
            arm.rates.push_back(static_cast<double>(level.calls) / run.seconds);
            arm.latencies.insert(arm.latencies.end(), run.latencies.begin(), run.latencies.end());
        }
        level.ratio.parts.push_back(level.arms[1].rates.back() / level.arms[0].rates.back());
        std::fprintf(stderr, "  concurrency %zu callers, pair %zu/%zu: direct %.0f/s, fd %.0f/s\n",
                     callers, r + 1, options.concurrency_repeats, level.arms[0].rates.back(),
                     level.arms[1].rates.back());
    }
    for (auto& arm : level.arms) {
        arm.median_rate = median(arm.rates);
        arm.latency = Distribution::of(arm.latencies);
    }
    level.ratio.value = median(level.ratio.parts);
    set_range(level.ratio);
    return level;
}

std::vector<ConcurrencyLevel> measure_concurrency(const Options& options,
                                                  const std::vector<Invocation>& runs) {
    std::vector<ConcurrencyLevel> levels;
    for (std::size_t callers : options.concurrency) {
        levels.push_back(measure_level(options, runs, callers));
    }
    return levels;
}

// ---------------------------------------------------------------------------------------------
// Throughput

// Throughput arms, in the order of the report; each repeat is one interleaved triple, in a
// rotating order. "direct" first: the other arms' ratios are to it.
struct ThroughputArm {
    const char* key = "";
    const char* label = "";
    Route route = Route::kNone;  // kNone: /bin/cat itself
};

constexpr auto kThroughputArms = std::to_array<ThroughputArm>({
    {"direct", "`cat` direct", Route::kNone},
    {"content", "bro content mode", Route::kContent},
    {"fd", "bro fd mode", Route::kFd},
});
constexpr std::size_t kThroughputArmCount = kThroughputArms.size();
constexpr std::size_t kDirectThroughputArm = 0;

// `cat` for a throughput arm: /bin/cat itself, or bro-client with the route's settings.
Invocation make_pipe_invocation(const ThroughputArm& arm, const Endpoints& e) {
    if (arm.route == Route::kNone) return {Argv({"/bin/cat"}), Environment({}), 0};
    return {Argv({e.client}), Environment(route_settings(arm.route, e)), 0};
}

struct ArmThroughput {
    std::vector<double> gbps;
    std::vector<double> ratios;  // per triple: direct's time / this arm's time
    double median = 0;           // GB/s
    double ratio = 0;            // median(arm) / median(direct)
    double ratio_min = 0, ratio_max = 0;
};

struct ThroughputResult {
    Sink sink;
    std::size_t chunk;
    std::uint64_t bytes;
    std::array<ArmThroughput, kThroughputArmCount> arms;
};

ThroughputResult measure_throughput(const Options& options, const ServerProcess& content_server,
                                    const ServerProcess& fd_server, Sink sink, std::size_t chunk) {
    // The client as given (not made absolute): no #! line names it here.
    const Endpoints endpoints{options.client, content_server.socket_path(), fd_server.socket_path(),
                              ""};
    std::vector<Invocation> runs;
    for (const ThroughputArm& arm : kThroughputArms) {
        runs.push_back(make_pipe_invocation(arm, endpoints));
    }
    const auto run = [&](std::size_t index, std::uint64_t bytes) {
        return time_pipeline(runs[index].argv, runs[index].env, bytes, sink, chunk);
    };
    const double gb = static_cast<double>(options.bytes) / 1e9;

    // Warm-up with a small transfer each (page cache, first-touch of the server's buffers).
    for (std::size_t a = 0; a < kThroughputArmCount; ++a) run(a, 8 << 20);

    ThroughputResult result{};
    result.sink = sink;
    result.chunk = chunk;
    result.bytes = options.bytes;
    for (std::size_t i = 0; i < options.repeats; ++i) {
        std::array<double, kThroughputArmCount> seconds{};
        for (std::size_t k = 0; k < kThroughputArmCount; ++k) {
            const std::size_t index = (i + k) % kThroughputArmCount;
            seconds[index] = run(index, options.bytes);
        }
        const double direct = seconds[kDirectThroughputArm];
        for (std::size_t a = 0; a < kThroughputArmCount; ++a) {
            result.arms[a].gbps.push_back(gb / seconds[a]);
            result.arms[a].ratios.push_back(direct / seconds[a]);
        }
        std::fprintf(stderr,
                     "  throughput (%s sink, %zu KiB writes) triple %zu/%zu: direct %.2f GB/s, "
                     "content %.2f GB/s, fd %.2f GB/s\n",
                     sink_name(sink), chunk >> 10, i + 1, options.repeats, gb / seconds[0],
                     gb / seconds[1], gb / seconds[2]);
    }
    const double direct_median = median(result.arms[kDirectThroughputArm].gbps);
    for (auto& arm : result.arms) {
        arm.median = median(arm.gbps);
        arm.ratio = arm.median / direct_median;
        arm.ratio_min = *std::min_element(arm.ratios.begin(), arm.ratios.end());
        arm.ratio_max = *std::max_element(arm.ratios.begin(), arm.ratios.end());
    }
    return result;
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

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"), or -1.
long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0)
            return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
    return -1;
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int open_fd_count(pid_t pid) {
    int count = 0;
    if (DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
        closedir(dir);
    }
    return count;
}

struct Footprint {
    long rss_idle_kib = 0;       // after the latency loop, no connection open
    long rss_connected_kib = 0;  // with `connections` idle connections accepted
    long hwm_kib = 0;            // peak over the whole run
    std::size_t connections = 0;
    int fds_before = 0, fds_connected = 0, fds_after = 0;
    double cpu_us_per_call = -1;  // server CPU per fd-mode call in the latency loop
    std::size_t calls = 0;
};

// Opens `count` connections that send nothing, waits until the server accepted them all (its
// fd count rose by `count`), and reads its RSS.
void measure_idle_connections(const ServerProcess& server, std::size_t count, Footprint& f) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < count + 64)
        fail("RLIMIT_NOFILE too low for " + std::to_string(count) + " connections");
    f.connections = count;
    f.fds_before = open_fd_count(server.pid());
    f.rss_idle_kib = status_kib(server.pid(), "VmRSS");
    std::vector<int> fds;
    for (std::size_t i = 0; i < count; ++i) {
        const int fd = connect_unix_socket(server.socket_path());
        if (fd < 0) {
            fail(errno_text("connect " + server.socket_path() + " #" + std::to_string(i)));
        }
        fds.push_back(fd);
    }
    const double deadline = now_seconds() + 10;
    while (open_fd_count(server.pid()) < f.fds_before + static_cast<int>(count) &&
           now_seconds() < deadline) {
        usleep(10000);
    }
    f.fds_connected = open_fd_count(server.pid());
    f.rss_connected_kib = status_kib(server.pid(), "VmRSS");
    for (int fd : fds) close(fd);
    const double settle = now_seconds() + 10;
    while (open_fd_count(server.pid()) > f.fds_before && now_seconds() < settle) usleep(10000);
    f.fds_after = open_fd_count(server.pid());
    f.hwm_kib = status_kib(server.pid(), "VmHWM");
}

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
// Command line

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

// ---------------------------------------------------------------------------------------------

// Latency and concurrency, against the /bin/true servers.
void measure_true(const Options& options, TempDir& dir, Results& results) {
    const ServerProcess content(
        bro_server_argv(options.server, "/bin/true", dir.path() + "/true.sock", false),
        dir.path() + "/true.sock");
    const ServerProcess fd(
        bro_server_argv(options.server, "/bin/true", dir.path() + "/true-fd.sock", true),
        dir.path() + "/true-fd.sock");
    const ServerProcess s6(s6_server_argv("/bin/true", dir.path() + "/true-s6.sock"),
                           dir.path() + "/true-s6.sock");
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

void measure_cat(const Options& options, const TempDir& dir, Results& results) {
    const ServerProcess content(
        bro_server_argv(options.server, "/bin/cat", dir.path() + "/cat.sock", false),
        dir.path() + "/cat.sock");
    const ServerProcess fd(
        bro_server_argv(options.server, "/bin/cat", dir.path() + "/cat-fd.sock", true),
        dir.path() + "/cat-fd.sock");
    std::fprintf(stderr,
                 "throughput: %llu bytes x %zu interleaved triples per sink and write size...\n",
                 static_cast<unsigned long long>(options.bytes), options.repeats);
    const double start = now_seconds();
    for (Sink sink : options.sinks) {
        for (std::size_t chunk : options.chunks) {
            results.throughputs.push_back(measure_throughput(options, content, fd, sink, chunk));
        }
    }
    std::fprintf(stderr, "throughput took %.0f s\n", now_seconds() - start);
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
        if (!options.skip_throughput) measure_cat(options, dir, results);
        print_report(results, options);
        if (!options.json.empty()) write_json(options.json, results, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bro_e2e_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
