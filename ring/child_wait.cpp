#include "ring/child_wait.hpp"

#include <poll.h>
#include <sys/wait.h>

#include "ring/operations.hpp"

namespace bro::ring {

Task<std::variant<siginfo_t, std::error_code>> wait_for_child(Ring& ring, int pidfd, Reap reap) {
    siginfo_t info{};
    const int options = WEXITED | (reap == Reap::kYes ? 0 : WNOWAIT);
    if (ring.features().waitid) {
        const IoResult result = co_await WaitId(ring, pidfd, &info, options);
        if (!result) co_return result.error();
        co_return info;
    }
    for (;;) {
        const IoResult ready = co_await Poll(ring, pidfd, POLLIN);
        if (!ready) co_return ready.error();
        info = {};
        // WNOHANG: never blocks, so no signal can interrupt it.
        if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                   options | WNOHANG) != 0) {
            co_return std::error_code(errno, std::system_category());
        }
        if (info.si_pid != 0) co_return info;  // si_pid stays 0 while the child still runs
    }
}

}  // namespace bro::ring
