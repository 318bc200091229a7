#include "bench/e2e/invocation.hpp"

#include "bench/e2e/clock.hpp"

namespace bro::e2e {

double time_run(const Invocation& run) {
    Stdio stdio;
    stdio.quiet_stderr = run.expected_exit != 0;
    const double start = now_seconds();
    const pid_t pid = spawn(run.argv, run.env, stdio);
    const int status = wait_for(pid);
    const double elapsed = now_seconds() - start;
    expect_success(status, run.argv.program(), run.expected_exit);
    return elapsed;
}

}  // namespace bro::e2e
