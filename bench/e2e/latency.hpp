#pragma once
// The latency arm: /bin/true spawned directly (posix_spawn + waitpid) vs `true` through bro,
// in content mode (content-only server) and fd mode (--fd-passing server), each invoked three
// ways: bro-client with the BRO_* settings in its environment; a bash wrapper script
// (`#!/bin/bash`, `export BRO_...`, `exec bro-client "$@"`, the form the original bro
// documents) executed directly; and a wrapper file (`#!/path/to/bro-client` plus BRO_* lines,
// client/wrapper_file.hpp) executed directly, which the kernel runs as `bro-client FILE`, no
// shell. Its settings override the environment, so it runs with an empty one. Plus auto
// against the content-only server (fd attempt, ModeRejected, content retry), the s6-sudo peer,
// and bro-client alone (socket absent: it starts, fails to connect and exits), the client's
// own share. stdin and stdout are /dev/null for all (latency_arms.hpp lists the arms).
//
// Reports p50/p90/p99, each arm's ratio of medians to direct with its spread (the min/max of
// the ratio of medians within each of --blocks consecutive blocks of rounds) beside the issue's
// target, and differences of medians with the same spread: the fallback's cost, and each
// wrapper's cost over bro-client started directly.

#include <array>
#include <cstddef>
#include <vector>

#include "bench/e2e/invocation.hpp"
#include "bench/e2e/latency_arms.hpp"
#include "bench/e2e/options.hpp"
#include "bench/e2e/statistics.hpp"

namespace bro::e2e {

struct LatencyResult {
    std::size_t rounds = 0;
    std::array<Distribution, kLatencyArmCount> arms = {};   // seconds
    std::array<Spread, kLatencyArmCount> ratios = {};       // median(arm) / median(direct)
    std::array<Spread, kDifferenceCount> differences = {};  // seconds
};

// --warmup rounds, then --rounds interleaved rounds that each run every arm once, in rotating
// order. `runs` holds one Invocation per latency arm (make_latency_invocations).
LatencyResult measure_latency(const Options& options, const std::vector<Invocation>& runs);

}  // namespace bro::e2e
