#pragma once
// Everything one run of the bench measured, for the text and JSON reports. An arm that was
// skipped leaves its part empty.

#include <optional>
#include <vector>

#include "bench/e2e/concurrency.hpp"
#include "bench/e2e/footprint.hpp"
#include "bench/e2e/latency.hpp"
#include "bench/e2e/throughput.hpp"

namespace bro::e2e {

struct Results {
    std::optional<Footprint> footprint;
    std::optional<LatencyResult> latency;
    std::vector<ConcurrencyLevel> concurrency;
    std::vector<ThroughputResult> throughputs;
};

}  // namespace bro::e2e
