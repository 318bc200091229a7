#pragma once
// The bench's configuration: built once from the command line in main(), then passed by
// const reference to every arm.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/e2e/sink.hpp"

namespace bro::e2e {

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
    // --chunks: the producer's write sizes, one throughput measurement per size and sink.
    // 8 KiB is what head(1) writes (DESIGN §5's `head | cat`), 128 KiB a bulk writer. The
    // direct pipeline's speed depends strongly on it (see docs/BENCHMARKS.md).
    std::vector<std::size_t> chunks = {8 << 10, 128 << 10};
    std::vector<Sink> sinks = {Sink::kPipe, Sink::kNull};
    std::string json;
    // --pin: runs everything (harness threads, servers, clients, children) on this one CPU. On
    // a VM the direct pipeline's speed depends on whether its two ends share a vCPU (a wake-up
    // across vCPUs is an IPI and a VM exit), which varies with whatever else runs; pinned, the
    // ratio is stable and compares CPU cost per byte.
    int pin_cpu = -1;
    bool skip_latency = false;
    std::size_t idle_connections = 1000;  // for the server's RSS with idle connections
    bool skip_concurrency = false;
    bool skip_throughput = false;
};

// Reads the command line; prints the usage and exits 0 for -h/--help. Throws on an unknown
// option, a missing or malformed value, or a --server/--client that is absent or not
// executable.
Options parse_options(int argc, char** argv);

}  // namespace bro::e2e
