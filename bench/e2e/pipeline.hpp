#pragma once
// One timed pipeline run for the throughput arm: producer -> program -> sink.

#include <cstddef>
#include <cstdint>

#include "bench/e2e/sink.hpp"
#include "bench/e2e/spawn.hpp"

namespace bro::e2e {

struct PipelineRun {
    double seconds = 0;      // from spawn to the child's exit with all output read
    double cpu_seconds = 0;  // the child's (and its children's), the producer's, the reader's
};

// One pipeline run: a producer thread writes `bytes` in writes of `chunk` bytes to the child's
// stdin; the child's stdout is a pipe read by a thread (or /dev/null). Throws unless all bytes
// came through. A server the child talks to is not counted: the caller adds its CPU time.
PipelineRun time_pipeline(const Argv& argv, const Environment& env, std::uint64_t bytes, Sink sink,
                          std::size_t chunk);

}  // namespace bro::e2e
