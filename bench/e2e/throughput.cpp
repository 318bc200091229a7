#include "bench/e2e/throughput.hpp"

#include <algorithm>
#include <cstdio>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/invocation.hpp"
#include "bench/e2e/pipeline.hpp"
#include "bench/e2e/process_usage.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/statistics.hpp"

namespace bro::e2e {
namespace {

// `cat` for a throughput arm: /bin/cat itself, or bro-client with the route's settings.
Invocation make_pipe_invocation(const ThroughputArm& arm, const Endpoints& e) {
    if (arm.route == Route::kNone) return {Argv({"/bin/cat"}), Environment({}), 0};
    return {Argv({e.client}), Environment(route_settings(arm.route, e)), 0};
}

// `runs` holds one Invocation per throughput arm, in kThroughputArms' order, and `servers` the
// pid of the server each arm calls (-1 for none).
ThroughputResult measure_sink_and_chunk(const Options& options, const std::vector<Invocation>& runs,
                                        const std::vector<pid_t>& servers, Sink sink,
                                        std::size_t chunk) {
    const auto run = [&](std::size_t index, std::uint64_t bytes) {
        const pid_t server = servers[index];
        const double server_before = server > 0 ? cpu_seconds_with_children(server) : 0;
        PipelineRun result = time_pipeline(runs[index].argv, runs[index].env, bytes, sink, chunk);
        if (server > 0) result.cpu_seconds += cpu_seconds_with_children(server) - server_before;
        return result;
    };
    const double gb = static_cast<double>(options.bytes) / 1e9;
    const double gib = static_cast<double>(options.bytes) / static_cast<double>(1ULL << 30);

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
            const PipelineRun measured = run(index, options.bytes);
            seconds[index] = measured.seconds;
            result.arms[index].cpu_per_gib.push_back(measured.cpu_seconds / gib);
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
    const double direct_cpu = median(result.arms[kDirectThroughputArm].cpu_per_gib);
    for (auto& arm : result.arms) {
        arm.median = median(arm.gbps);
        arm.ratio = arm.median / direct_median;
        arm.cpu_median = median(arm.cpu_per_gib);
        arm.cpu_ratio = arm.cpu_median / direct_cpu;
        arm.ratio_min = *std::min_element(arm.ratios.begin(), arm.ratios.end());
        arm.ratio_max = *std::max_element(arm.ratios.begin(), arm.ratios.end());
    }
    return result;
}

}  // namespace

std::vector<ThroughputResult> measure_throughput(const Options& options, const TempDir& dir) {
    const ServerProcess content = start_bro_server(options.server, "/bin/cat",
                                                   dir.path() + "/cat.sock", ServerMode::kContent);
    const ServerProcess fd = start_bro_server(options.server, "/bin/cat",
                                              dir.path() + "/cat-fd.sock", ServerMode::kFdPassing);
    // The client as given (not made absolute): no #! line names it here.
    const Endpoints endpoints{options.client, content.socket_path(), fd.socket_path(), ""};
    std::vector<Invocation> runs;
    std::vector<pid_t> servers;
    for (const ThroughputArm& arm : kThroughputArms) {
        runs.push_back(make_pipe_invocation(arm, endpoints));
        servers.push_back(arm.route == Route::kContent ? content.pid()
                          : arm.route == Route::kFd    ? fd.pid()
                                                       : -1);
    }
    std::fprintf(stderr,
                 "throughput: %llu bytes x %zu interleaved triples per sink and write size...\n",
                 static_cast<unsigned long long>(options.bytes), options.repeats);
    const double start = now_seconds();
    std::vector<ThroughputResult> results;
    for (Sink sink : options.sinks) {
        for (std::size_t chunk : options.chunks) {
            results.push_back(measure_sink_and_chunk(options, runs, servers, sink, chunk));
        }
    }
    std::fprintf(stderr, "throughput took %.0f s\n", now_seconds() - start);
    return results;
}

}  // namespace bro::e2e
