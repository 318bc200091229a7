#pragma once
// The throughput arm: --bytes from a producer thread through `cat`: producer -> /bin/cat ->
// sink vs producer -> bro-client[cat server] -> sink in content mode and in fd mode, where the
// sink is a pipe read and discarded by a thread (--sink pipe) or /dev/null as the child's
// stdout (--sink null, DESIGN §5's `head | cat >/dev/null`). --repeats interleaved triples
// (direct, content, fd; the order rotates) per sink and write size (--chunks); reports GB/s
// medians, each mode's ratio of medians to direct, and the min/max of the per-triple ratios.
// Also the CPU time each run costs per GiB: the producer and reader threads, the process the
// bench starts (cat, or bro-client), and for bro the server with the cat it runs (its utime,
// stime and its reaped children's, from /proc; 10 ms ticks, fine for runs of seconds).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/e2e/options.hpp"
#include "bench/e2e/route.hpp"
#include "bench/e2e/sink.hpp"
#include "bench/e2e/temp_dir.hpp"

namespace bro::e2e {

// Throughput arms, in the order of the report; each repeat is one interleaved triple, in a
// rotating order. "direct" first: the other arms' ratios are to it.
struct ThroughputArm {
    const char* key = "";
    const char* label = "";
    Route route = Route::kNone;  // kNone: /bin/cat itself
};

inline constexpr auto kThroughputArms = std::to_array<ThroughputArm>({
    {"direct", "`cat` direct", Route::kNone},
    {"content", "bro content mode", Route::kContent},
    {"fd", "bro fd mode", Route::kFd},
});
inline constexpr std::size_t kThroughputArmCount = kThroughputArms.size();
inline constexpr std::size_t kDirectThroughputArm = 0;

struct ArmThroughput {
    std::vector<double> gbps;
    std::vector<double> ratios;  // per triple: direct's time / this arm's time
    double median = 0;           // GB/s
    double ratio = 0;            // median(arm) / median(direct)
    double ratio_min = 0, ratio_max = 0;
    std::vector<double> cpu_per_gib;  // CPU seconds per GiB, per run
    double cpu_median = 0;
    double cpu_ratio = 0;  // cpu_median / direct's cpu_median
};

// One sink and write size.
struct ThroughputResult {
    Sink sink;
    std::size_t chunk;
    std::uint64_t bytes;
    std::array<ArmThroughput, kThroughputArmCount> arms;
};

// Starts the /bin/cat servers (sockets in `dir`) and measures every sink and write size, in
// the order of --sink, then --chunks.
std::vector<ThroughputResult> measure_throughput(const Options& options, const TempDir& dir);

}  // namespace bro::e2e
