#pragma once
// Waits for a child process, given its pidfd, without blocking the ring. Uses IORING_OP_WAITID
// where the kernel has it (6.7); otherwise polls the pidfd (readable once the child exits)
// and reaps it with waitid(P_PIDFD, WNOHANG).

#include <signal.h>

#include <system_error>
#include <variant>

#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace bro::ring {

// On success `info.si_code` is CLD_EXITED / CLD_KILLED / CLD_DUMPED and `info.si_status` the
// code or signal. The child is reaped either way.
Task<std::variant<siginfo_t, std::error_code>> wait_for_child(Ring& ring, int pidfd);

}  // namespace bro::ring
