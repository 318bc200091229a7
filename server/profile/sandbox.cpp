#include "server/profile/sandbox.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>

#include "server/profile/capability_names.hpp"

namespace bro::server::profile {

namespace {

// setns(CLONE_NEWPID) wants CAP_SYS_ADMIN in the caller's own user namespace too, which a
// non-root server with --unshare-user does not have (it has it only inside the sandbox's).
bool can_administer_own_namespaces() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    return syscall(SYS_capget, &header, data) == 0 &&
           (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

}  // namespace

Sandbox::Sandbox(const ExecutionProfile& profile)
    : profile_(profile),
      last_capability_(kernel_last_capability()),
      server_enters_pid_namespace_(can_administer_own_namespaces()) {
    if (profile_.program_in_new_pid_namespace()) own_pid_namespace_ = open_own_pid_namespace();
    if (profile_.needs_holder() && !profile_.fresh)
        prepared_.emplace(SandboxHolder::build(profile_));
}

int Sandbox::holder_for_call(std::optional<SandboxHolder>& fresh) {
    if (!profile_.needs_holder()) return -1;
    // Fresh holders whose program has exited are gone by now or soon; reap what is done.
    retiring_.remove_if([](SandboxHolder& holder) { return holder.try_reap(); });
    if (profile_.fresh) {
        fresh.emplace(SandboxHolder::build(profile_));
        return fresh->pidfd();
    }
    if (!prepared_ || !prepared_->alive()) {
        if (prepared_) {
            spdlog::warn("the sandbox holder (pid {}) has died; building the sandbox again",
                         prepared_->pid());
        }
        prepared_.reset();
        prepared_.emplace(SandboxHolder::build(profile_));
        spdlog::info("sandbox rebuilt; its holder is pid {}", prepared_->pid());
    }
    return prepared_->pidfd();
}

void Sandbox::place_children(int holder_pidfd, std::optional<ChildrenPidNamespace>& scope) const {
    if (!profile_.program_in_new_pid_namespace() || !server_enters_pid_namespace_) return;
    if (holder_pidfd >= 0 && (profile_.namespaces & CLONE_NEWPID) != 0) {
        scope.emplace(own_pid_namespace_.get(), holder_pidfd, "the sandbox holder's pid namespace");
        return;
    }
    for (const Operation& operation : profile_.operations) {  // a --setns FILE of a pid namespace
        if (operation.type != OperationType::kJoinNamespace || operation.number != CLONE_NEWPID) {
            continue;
        }
        const UniqueFd file(open(operation.source.c_str(), O_RDONLY | O_CLOEXEC));
        if (!file) throw SandboxError(operation.spelling + ": open " + operation.source, errno);
        scope.emplace(own_pid_namespace_.get(), file.get(), operation.spelling.c_str());
    }
}

void Sandbox::program_started(std::optional<SandboxHolder>& fresh) {
    if (!fresh) return;
    fresh->release_after_program();
    retiring_.push_back(std::move(*fresh));
    fresh.reset();
}

}  // namespace bro::server::profile
