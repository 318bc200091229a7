#include "server/program_adoption.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace bro::server {
namespace {

void reap(pid_t pid) {
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED) != 0 && errno == EINTR) {
    }
}

}  // namespace

std::variant<ChildProcess, int> adopt_program(pid_t pid, bool failed) {
    if (pid <= 0) return ECHILD;
    if (failed) {
        reap(pid);
        return ECHILD;
    }
    // Race-free: the pid of a child nobody has reaped cannot be reused.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        const int error = errno;
        ::kill(pid, SIGKILL);
        reap(pid);
        return error;
    }
    return ChildProcess(pid, UniqueFd(pidfd));
}

}  // namespace bro::server
