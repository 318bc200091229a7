#include "bench/e2e/latency.hpp"

namespace bro::e2e {
namespace {

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

}  // namespace

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

}  // namespace bro::e2e
