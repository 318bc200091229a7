#include "server/profile/children_pid_namespace.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <string>

#include "server/profile/sandbox_holder.hpp"

namespace bro::server::profile {

ChildrenPidNamespace::ChildrenPidNamespace(int own, int target, const char* what) : own_(own) {
    if (own_ < 0) throw SandboxError("open /proc/self/ns/pid (is /proc mounted?)", EBADF);
    if (setns(target, CLONE_NEWPID) != 0) {
        throw SandboxError(std::string("setns(CLONE_NEWPID) into ") + what, errno);
    }
}

ChildrenPidNamespace::~ChildrenPidNamespace() {
    // Cannot fail: the server's own pid namespace is its active one, always allowed.
    setns(own_, CLONE_NEWPID);
}

UniqueFd open_own_pid_namespace() {
    return UniqueFd(open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
}

}  // namespace bro::server::profile
