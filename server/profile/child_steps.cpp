#include "server/profile/child_steps.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "server/profile/capability_sets.hpp"
#include "server/profile/new_root.hpp"

namespace bro::server::profile {
namespace {

StepFailure failed(const Operation& operation, const char* call, const char* path = nullptr) {
    return {&operation, call, path, errno};
}

// Writes `text` to a /proc file in one write(), as the kernel wants map files written.
StepFailure write_proc_file(const Operation& operation, const char* path) {
    const int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return failed(operation, "open", path);
    const ssize_t written = write(fd, operation.data.data(), operation.data.size());
    const int error = errno;
    close(fd);
    if (written != static_cast<ssize_t>(operation.data.size())) {
        errno = written < 0 ? error : EIO;
        return failed(operation, "write", path);
    }
    return {};
}

StepFailure join_namespace_file(const Operation& operation, const StageContext& context) {
    // A pid namespace the server entered for the clone: the child is already in it.
    if (operation.number == CLONE_NEWPID && context.born_in_pid_namespace) return {};
    const int fd = open(operation.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return failed(operation, "open", operation.source.c_str());
    const int joined = setns(fd, 0);
    const int error = errno;
    close(fd);
    errno = error;
    return joined == 0 ? StepFailure{} : failed(operation, "setns", operation.source.c_str());
}

StepFailure load_seccomp_filter(const ExecutionProfile& profile, const Operation& operation) {
    sock_fprog program{static_cast<unsigned short>(profile.seccomp_filter.size()),
                       const_cast<sock_filter*>(profile.seccomp_filter.data())};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
        return failed(operation, "prctl PR_SET_SECCOMP", operation.source.c_str());
    }
    return {};
}

StepFailure apply_process_operation(const ExecutionProfile& profile, const Operation& operation,
                                    const StageContext& context) {
    switch (operation.type) {
        case OperationType::kSetResourceLimit:
            if (setrlimit(static_cast<__rlimit_resource>(operation.number), &operation.limit) !=
                0) {
                return failed(operation, "setrlimit");
            }
            return {};
        case OperationType::kSetNice:
            if (setpriority(PRIO_PROCESS, 0, operation.number) != 0) {
                return failed(operation, "setpriority");
            }
            return {};
        case OperationType::kSetOomScoreAdj:
            return write_proc_file(operation, "/proc/self/oom_score_adj");
        case OperationType::kKeepCapabilities:
            if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
                return failed(operation, "prctl PR_SET_KEEPCAPS");
            return {};
        case OperationType::kJoinNamespace:
            return join_namespace_file(operation, context);
        case OperationType::kCreateNamespaces:
            return {};  // the holder was cloned into them
        case OperationType::kDenySetgroups:
            return write_proc_file(operation, "/proc/self/setgroups");
        case OperationType::kWriteUidMap:
            return write_proc_file(operation, "/proc/self/uid_map");
        case OperationType::kWriteGidMap:
            return write_proc_file(operation, "/proc/self/gid_map");
        case OperationType::kSetHostname:
            if (sethostname(operation.data.data(), operation.data.size()) != 0) {
                return failed(operation, "sethostname");
            }
            return {};
        case OperationType::kJoinSandbox: {
            const int pid = context.born_in_pid_namespace ? CLONE_NEWPID : 0;
            if (setns(context.holder_pidfd, profile.namespaces & ~pid) != 0) {
                return failed(operation, "setns on the sandbox holder's pidfd");
            }
            return {};
        }
        case OperationType::kChroot:
            if (chroot(operation.destination.c_str()) != 0 || chdir("/") != 0) {
                return failed(operation, "chroot", operation.destination.c_str());
            }
            return {};
        case OperationType::kLockSecurebits:
            return lock_securebits(operation);
        case OperationType::kSetNoNewPrivileges:
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
                return failed(operation, "prctl PR_SET_NO_NEW_PRIVS");
            }
            return {};
        case OperationType::kLoadSeccompFilter:
            return load_seccomp_filter(profile, operation);
        default:
            return apply_filesystem_operation(operation);
    }
}

}  // namespace

StepFailure apply_stage(const ExecutionProfile& profile, Stage stage, const StageContext& context) {
    // --cap-add/--cap-drop act on this in order; kApplyCapabilities makes it real.
    std::uint64_t kept = 0;
    if (stage == Stage::kLockDown && profile.manages_capabilities) kept = baseline_capabilities();
    for (const Operation& operation : profile.operations) {
        if (stage_of(operation.type) != stage) continue;
        StepFailure failure;
        switch (operation.type) {
            case OperationType::kAddCapability:
            case OperationType::kDropCapability:
                kept = change_capabilities(kept, operation, context.last_capability);
                break;
            case OperationType::kApplyCapabilities:
                failure = apply_capabilities(operation, kept, context.last_capability);
                break;
            default:
                failure = apply_process_operation(profile, operation, context);
        }
        if (failure) return failure;
    }
    return {};
}

}  // namespace bro::server::profile
