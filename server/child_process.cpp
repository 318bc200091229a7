#include "server/child_process.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace bro::server {
namespace {

int pidfd_send(int pidfd, int signal) {
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

}  // namespace

ChildProcess::~ChildProcess() {
    if (reaped_ || !pidfd_) return;
    kill_group(SIGKILL);
    pidfd_send(pidfd_.get(), SIGKILL);
    reap();
}

void ChildProcess::reap() {
    siginfo_t info{};
    while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                  WEXITED) != 0 &&
           errno == EINTR) {
    }
    exited_ = reaped_ = true;
}

void ChildProcess::kill_group(int signal) const {
    if (reaped_) return;
    // While the leader is unreaped its pid, hence the group id, cannot be reused.
    ::kill(-pid_, signal);
}

}  // namespace bro::server
