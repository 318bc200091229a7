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

// Whether the wait reaps the child, or leaves it a zombie (WNOWAIT): a zombie keeps its pid,
// hence its process group's id, from being reused, so the group can still be signalled.
enum class Reap : bool { kNo = false, kYes = true };

// On success `info.si_code` is CLD_EXITED / CLD_KILLED / CLD_DUMPED and `info.si_status` the
// code or signal. The child is reaped unless `reap` is Reap::kNo.
Task<std::variant<siginfo_t, std::error_code>> wait_for_child(Ring& ring, int pidfd,
                                                              Reap reap = Reap::kYes);

}  // namespace bro::ring
