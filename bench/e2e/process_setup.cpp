#include "bench/e2e/process_setup.hpp"

#include <sched.h>
#include <sys/resource.h>

#include "bench/e2e/failure.hpp"

namespace bro::e2e {

void pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) fail(errno_text("sched_setaffinity"));
}

void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);  // best effort: the bench still runs without it
}

}  // namespace bro::e2e
