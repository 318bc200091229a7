#pragma once
// One timed pipeline run for the throughput arm: producer -> program -> sink.

#include <cstddef>
#include <cstdint>

#include "bench/e2e/sink.hpp"
#include "bench/e2e/spawn.hpp"

namespace bro::e2e {

// One pipeline run: a producer thread writes `bytes` in writes of `chunk` bytes to the child's
// stdin; the child's stdout is a pipe read by a thread (or /dev/null). Returns seconds from
// spawn to the child's exit with all output read; throws unless all bytes came through.
double time_pipeline(const Argv& argv, const Environment& env, std::uint64_t bytes, Sink sink,
                     std::size_t chunk);

}  // namespace bro::e2e
