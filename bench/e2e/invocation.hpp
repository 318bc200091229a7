#pragma once
// A measured run of the latency and concurrency arms: one spawn + wait, timed.

#include "bench/e2e/spawn.hpp"

namespace bro::e2e {

// A ready-to-spawn run: program and argv, environment, and the exit status it must give.
struct Invocation {
    Argv argv;
    Environment env;
    int expected_exit = 0;
};

// Seconds from spawn to reaping, stdin and stdout /dev/null (stderr too when the run is
// expected to fail). Throws unless the run exits with its expected status.
double time_run(const Invocation& run);

}  // namespace bro::e2e
