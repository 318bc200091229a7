#include "bench/e2e/concurrent_calls.hpp"

#include <exception>
#include <latch>
#include <mutex>
#include <string>
#include <thread>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"

namespace bro::e2e {
namespace {

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

}  // namespace

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

}  // namespace bro::e2e
