#pragma once
// clone3() with a child function on a stack of its own, which glibc does not offer: the way to
// start a CLONE_VM child directly in a cgroup (CLONE_INTO_CGROUP, Linux 5.7). Moving the child
// afterwards (writing its pid to cgroup.procs) would take the cgroup threadgroup lock for
// writing, an RCU grace period each time, while the server waits on its CLONE_VFORK child.

#include <linux/sched.h>
#include <sys/types.h>

#include <span>

namespace bro::server {

// Whether clone3_run exists on this architecture (x86-64 and AArch64).
bool clone3_available();

// Calls clone3(`args`), and in the child `function(argument)` on args->stack, then exits with
// its result. In the parent: the child's pid, or -errno.
pid_t clone3_run(clone_args* args, int (*function)(void*), void* argument);

// The server's child, sharing its memory until it execs (CLONE_VM | CLONE_VFORK), with a
// pidfd, running `function(argument)` on `stack`: clone(), or clone3() straight into the
// cgroup `cgroup_fd` (-1: the server's own). The child's pid or -errno.
pid_t clone_vfork_child(std::span<unsigned char> stack, int cgroup_fd, int (*function)(void*),
                        void* argument, int& pidfd);

}  // namespace bro::server
