#include "bench/e2e/concurrency.hpp"

#include <algorithm>
#include <cstdio>

#include "bench/e2e/concurrent_calls.hpp"

namespace bro::e2e {
namespace {

// Every caller makes at least this many calls per run, enough to reach a steady state.
constexpr std::size_t kCallsPerCaller = 20;

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

}  // namespace

std::vector<ConcurrencyLevel> measure_concurrency(const Options& options,
                                                  const std::vector<Invocation>& runs) {
    std::vector<ConcurrencyLevel> levels;
    for (std::size_t callers : options.concurrency) {
        levels.push_back(measure_level(options, runs, callers));
    }
    return levels;
}

}  // namespace bro::e2e
