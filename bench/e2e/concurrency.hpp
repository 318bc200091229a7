#pragma once
// The concurrency arm: for each C in --concurrency, C threads each loop spawn + wait, until
// together they made max(--concurrency-calls, 20*C) calls; calls per second of /bin/true
// direct vs bro fd mode (bro-client, env settings), --concurrency-repeats interleaved pairs per
// level (the order alternates). Reports median rates, the median and min/max of the per-pair
// ratio bro/direct, and p50/p99 latency. main() raises the RLIMIT_NOFILE soft limit to the hard
// one first (process_setup.hpp), so that the servers (which inherit it, and hold a few
// descriptors per session) are not throttled by EMFILE; their accept backlog is SOMAXCONN.

#include <array>
#include <cstddef>
#include <vector>

#include "bench/e2e/invocation.hpp"
#include "bench/e2e/latency_arms.hpp"
#include "bench/e2e/options.hpp"
#include "bench/e2e/statistics.hpp"

namespace bro::e2e {

// The concurrency arms: /bin/true direct and bro fd mode (bro-client + env), in this order.
inline constexpr std::array<std::size_t, 2> kConcurrencyArms = {kDirectArm, arm_index("fd")};
// The target: with this many callers, bro fd mode makes at least this share of the
// direct spawn rate.
inline constexpr std::size_t kConcurrencyTargetCallers = 64;
inline constexpr double kConcurrencyTarget = 0.8;

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

// One level per --concurrency entry. `runs` holds one Invocation per latency arm
// (make_latency_invocations); kConcurrencyArms picks from it.
std::vector<ConcurrencyLevel> measure_concurrency(const Options& options,
                                                  const std::vector<Invocation>& runs);

}  // namespace bro::e2e
