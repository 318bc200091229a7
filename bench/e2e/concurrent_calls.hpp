#pragma once
// Many callers at once: threads that each loop spawn + wait of the same Invocation.

#include <cstddef>
#include <vector>

#include "bench/e2e/invocation.hpp"

namespace bro::e2e {

// One run: `calls` calls shared by `callers` threads, each looping spawn + wait.
struct ConcurrentRun {
    double seconds = 0;             // from releasing the threads until the last one finished
    std::vector<double> latencies;  // seconds, one per call
};

// Throws the first error any caller met, after all threads have finished.
ConcurrentRun run_concurrently(const Invocation& run, std::size_t callers, std::size_t calls);

}  // namespace bro::e2e
