#pragma once
// setns(CLONE_NEWPID) changes only where a process's *next* children are born, never the caller
// itself. So the server, for the moment of one clone(), moves its own "pid namespace for
// children" into the sandbox's (or a --setns pid namespace) and back: the call's child is born
// inside it, as the server's own child, with no second fork. This object is that moment: the
// constructor enters, the destructor returns to the server's own pid namespace, so no other
// child (a sandbox holder above all) is ever born in the wrong one.
//
// Why not a second fork in the child: the server would wait for that child to be scheduled
// again and exit after the program's exec, one more hand-off per call. Measured with
// bro_sandbox_bench: 0.04 ms on an idle 2-vCPU VM, but 8 ms at a load average of 7, where this
// way stays at the cost of a call without a profile.
//
// Only the calling thread's namespaces change; the server clones from its one event-loop thread.
// Needs CAP_SYS_ADMIN in the server's own user namespace; a server without it (non-root with
// --unshare-user) gets the second clone after all (spawner.cpp).

#include "core/unique_fd.hpp"

namespace bro::server::profile {

class ChildrenPidNamespace {
  public:
    // `own`: the server's pid namespace (/proc/self/ns/pid, opened at start-up). `target`: a
    // pidfd of a process in the namespace to enter, or a namespace file's descriptor. Throws
    // SandboxError (sandbox_holder.hpp) when setns() refuses; `what` names what is entered.
    ChildrenPidNamespace(int own, int target, const char* what);
    ChildrenPidNamespace(const ChildrenPidNamespace&) = delete;
    ChildrenPidNamespace& operator=(const ChildrenPidNamespace&) = delete;
    ~ChildrenPidNamespace();

  private:
    int own_;
};

// The server's own pid namespace, to come back to; an invalid fd when /proc is not mounted.
UniqueFd open_own_pid_namespace();

}  // namespace bro::server::profile
