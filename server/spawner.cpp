#include "server/spawner.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "server/clone_into_cgroup.hpp"
#include "server/profile/child_steps.hpp"
#include "server/program_adoption.hpp"
#include "server/spawn_failure.hpp"

namespace bro::server {
namespace {

// Shared with the child through CLONE_VM: inputs prepared by the parent (no allocation may
// happen in the child) and the failure report written back by it.
struct ChildContext {
    const char* executable;
    char* const* argv;
    char* const* envp;
    // stdio first, then extra fds; scratch has room for the temporary copies.
    const int* sources;
    const int* targets;
    int* scratch;
    std::size_t fd_count;
    int first_free;  // above every target: where temporary copies go
    int working_directory_fd;
    const char* working_directory;
    const char* fallback_directory;  // nullptr: none
    bool controlling_terminal;
    bool used_fallback;
    mode_t umask;
    const sigset_t* ignored_signals;  // by the server: reset to their defaults
    const rlimit* descriptor_limit;   // nullptr: keep the server's
    // nullptr: keep the server's. Read in the child straight from the parent's memory
    // (CLONE_VM): no copy, no allocation.
    const ChildIdentity* identity;
    pid_t server_pid;  // the parent, which the child must not outlive
    // Written by the failing step itself, for the parent's report: the step, its errno, the
    // call that failed and the path it was given (static text and the request's own strings:
    // nothing is allocated in the child).
    SpawnStep failed_step;
    int error;
    const char* failed_call;
    const char* failed_path;
    // The execution profile (nullptr: none) and what its stages need from the parent.
    const profile::ExecutionProfile* profile = nullptr;
    profile::StageContext stages = {};
    bool dry_run = false;  // --check: no exec
    // Set: the program starts in the sandbox's pid namespace as a second clone made on this
    // stack (a server that cannot enter that namespace itself; children_pid_namespace.hpp).
    unsigned char* program_stack_top = nullptr;
    // Written by the child: the program's pid after a second clone, the operation that failed.
    pid_t program_pid = 0;
    const profile::Operation* failed_operation = nullptr;
};

constexpr const char* kRedirectCall = "set up stdin/stdout/stderr";
constexpr const char* kVerifyCalls = "getresuid/setresuid(0)";

[[noreturn]] void child_fail(ChildContext& context, SpawnStep step, const char* call,
                             const char* path = nullptr) {
    context.failed_step = step;
    context.error = errno;
    context.failed_call = call;
    context.failed_path = path;
    _exit(127);
}

[[noreturn]] void child_fail_with(ChildContext& context, SpawnStep step, int error,
                                  const char* call) {
    errno = error;
    child_fail(context, step, call);
}

// One stage of the execution profile; its failure names the operation.
void apply_profile_stage(ChildContext& context, profile::Stage stage) {
    if (context.profile == nullptr) return;
    const profile::StepFailure failure =
        profile::apply_stage(*context.profile, stage, context.stages);
    if (!failure) return;
    context.failed_operation = failure.operation;
    errno = failure.error;
    child_fail(context, SpawnStep::kApplyProfile, failure.call, failure.path);
}

// Leaves the child without a call to a [[noreturn]] function: before one, ASan's runtime
// checks the stack, does not recognise the clone's, and says so on stderr, which here is
// already the program's.
void leave_child(int code) {
    syscall(SYS_exit_group, code);
}

// SIGKILL when the server dies (PR_SET_PDEATHSIG). Set last (an identity or capability change
// clears it), then checked against a server that died first. In the sandbox's pid namespace
// the server is pid 0; after its death the namespace's init (the holder) would be the parent.
void die_with_server(ChildContext& context) {
    const bool set = prctl(PR_SET_PDEATHSIG, SIGKILL) == 0;
    const pid_t parent = getppid();
    if (!set || (parent != context.server_pid && parent != 0)) {
        child_fail_with(context, SpawnStep::kCreateProcess, ESRCH, "prctl PR_SET_PDEATHSIG");
    }
}

// Does not return (no [[noreturn]], see leave_child).
void execute_program(ChildContext& context) {
    if (context.dry_run) {
        // --check: everything the call would do, then whether exec could find the program.
        if (syscall(SYS_faccessat2, AT_FDCWD, context.executable, X_OK, AT_EACCESS) != 0) {
            child_fail(context, SpawnStep::kExecute, "execute (checked, not run)",
                       context.executable);
        }
        leave_child(0);
    }
    die_with_server(context);
    execve(context.executable, context.argv, context.envp);
    child_fail(context, SpawnStep::kExecute, "execve", context.executable);
}

bool program_is_second_clone(const ChildContext& context) {
    return context.program_stack_top != nullptr;
}

// The program as a second clone: in the pid namespace the child joined, and the server's child
// too (CLONE_PARENT), so the server waits for it as for any program. It leads a session of its
// own, as the child would have.
int program_main(void* argument) {
    auto& context = *static_cast<ChildContext*>(argument);
    if (setsid() < 0) child_fail(context, SpawnStep::kCreateSession, "start a new session");
    if (context.controlling_terminal && ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0) {
        child_fail(context, SpawnStep::kCreateSession,
                   "ioctl TIOCSCTTY on the new pseudo-terminal");
    }
    execute_program(context);
    return 0;
}

// The child waits for the program to exec (CLONE_VFORK), then leaves; the server reaps it.
// Does not return.
void start_in_pid_namespace(ChildContext& context) {
    const pid_t pid = clone(program_main, context.program_stack_top,
                            CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, &context);
    if (pid < 0) {
        child_fail(context, SpawnStep::kApplyProfile,
                   "clone the program into the sandbox's pid namespace");
    }
    context.program_pid = pid;
    leave_child(context.error == 0 ? 0 : 127);
}

// Raw system calls, never glibc's setgroups/setresgid/setresuid: those broadcast the change to
// every thread of the process through signals (POSIX per-process credentials), which in a
// CLONE_VM child would run glibc's machinery on the parent's memory and threads. The kernel
// calls change this task only.
//
// Two stages. Until exec the parent is blocked in clone() (CLONE_VFORK), so a child stopped
// with SIGSTOP would stall the whole server; any process of the target uid may signal a task
// whose real or saved uid is that uid. So first only the groups and the effective uid change
// (permission checks for the working directory are then the target's, and the task is not
// dumpable, so not traceable), and the real and saved uids follow just before exec.
void assume_identity(ChildContext& context) {
    const ChildIdentity& target = *context.identity;
    if (syscall(SYS_setgroups, target.groups.size(), target.groups.data()) != 0) {
        child_fail(context, SpawnStep::kSetGroups, "setgroups");
    }
    if (syscall(SYS_setresgid, target.gid, target.gid, target.gid) != 0) {
        child_fail(context, SpawnStep::kSetGroup, "setresgid");
    }
    if (syscall(SYS_setresuid, -1, target.uid, -1) != 0) {
        child_fail(context, SpawnStep::kSetUser, "setresuid");
    }
}

// Completes the switch (allowed unprivileged: the new ids equal the effective one) and
// verifies it: a partial change must never run the program.
void complete_identity(ChildContext& context) {
    const uid_t uid = context.identity->uid;
    const gid_t gid = context.identity->gid;
    if (syscall(SYS_setresuid, uid, uid, uid) != 0) {
        child_fail(context, SpawnStep::kSetUser, "setresuid");
    }
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    if (syscall(SYS_getresuid, &ruid, &euid, &suid) != 0 ||
        syscall(SYS_getresgid, &rgid, &egid, &sgid) != 0) {
        child_fail(context, SpawnStep::kVerifyIdentity, kVerifyCalls);
    }
    if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid) {
        child_fail_with(context, SpawnStep::kVerifyIdentity, EPERM, kVerifyCalls);
    }
    // No way back to root may remain (a kept capability, a saved uid).
    if (uid != 0 && syscall(SYS_setresuid, 0, 0, 0) == 0) {
        child_fail_with(context, SpawnStep::kVerifyIdentity, EPERM, kVerifyCalls);
    }
}

// Enters the directory the server resolved, or else the path; falls back when allowed.
void enter_working_directory(ChildContext& context) {
    const bool in_place = context.working_directory_fd >= 0
                              ? fchdir(context.working_directory_fd) == 0
                              : chdir(context.working_directory) == 0;
    if (in_place) return;
    if (context.fallback_directory == nullptr || chdir(context.fallback_directory) != 0) {
        child_fail(context, SpawnStep::kChangeDirectory, "chdir", context.working_directory);
    }
    context.used_fallback = true;
}

// Runs in the child, on the Spawner's stack, sharing the parent's memory: only
// async-signal-safe system calls, no allocation, no C++ exceptions.
int child_main(void* argument) {
    auto& context = *static_cast<ChildContext*>(argument);
    // Ignored dispositions survive exec: the server's own (SIGPIPE), and whatever it inherited
    // (SIGINT and SIGQUIT in a background job of a script, SIGHUP under nohup). The program
    // starts with every signal at its default, or Ctrl-C on its terminal and forwarded
    // signals would do nothing.
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        if (sigismember(context.ignored_signals, signal_number) == 1) {
            signal(signal_number, SIG_DFL);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Lowering one's own limit cannot fail; the hard limit is unchanged, so it can rise again.
    if (context.descriptor_limit != nullptr) {
        setrlimit(RLIMIT_NOFILE, context.descriptor_limit);
    }
    // The execution profile's limits, then its sandbox: while the child still has the
    // privileges that needs, before the identity switch gives them up.
    apply_profile_stage(context, profile::Stage::kPrepare);
    apply_profile_stage(context, profile::Stage::kEnter);
    if (setsid() < 0) child_fail(context, SpawnStep::kCreateSession, "start a new session");
    // Two phases, so no source is overwritten before it was copied and no fd lands on its
    // own number (dup2 onto itself would keep FD_CLOEXEC and the fd would vanish at exec).
    // When every source lies above every target (the usual case: received or piped fds are
    // numbered >= first_free), no dup2 can clobber a source or hit its own number: one pass.
    bool sources_above_targets = true;
    for (std::size_t i = 0; i < context.fd_count; ++i) {
        if (context.sources[i] < context.first_free) sources_above_targets = false;
    }
    const int* from = context.sources;
    if (!sources_above_targets) {
        for (std::size_t i = 0; i < context.fd_count; ++i) {
            context.scratch[i] = fcntl(context.sources[i], F_DUPFD_CLOEXEC, context.first_free);
            if (context.scratch[i] < 0)
                child_fail(context, SpawnStep::kRedirectStdio, kRedirectCall);
        }
        from = context.scratch;
    }
    for (std::size_t i = 0; i < context.fd_count; ++i) {
        if (dup2(from[i], context.targets[i]) < 0)
            child_fail(context, SpawnStep::kRedirectStdio, kRedirectCall);
    }
    // Only a session leader without a controlling terminal may take one: setsid() made it so.
    // A program started by a second clone takes it itself.
    if (context.controlling_terminal && !program_is_second_clone(context) &&
        ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0) {
        child_fail(context, SpawnStep::kCreateSession,
                   "ioctl TIOCSCTTY on the new pseudo-terminal");
    }
    umask(context.umask);
    if (context.identity != nullptr) assume_identity(context);
    enter_working_directory(context);
    // Every server fd is already O_CLOEXEC; this makes it hold for any fd a library opened.
    syscall(SYS_close_range, static_cast<unsigned>(context.first_free), ~0U, CLOSE_RANGE_CLOEXEC);
    if (context.identity != nullptr) complete_identity(context);
    apply_profile_stage(context, profile::Stage::kLockDown);
    if (program_is_second_clone(context)) {
        start_in_pid_namespace(context);
    } else {
        execute_program(context);
    }
    return 0;  // not reached
}

std::vector<char*> pointers_to(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

// What the failed step wrote into the context, as the call's report.
SpawnFailure failure_of(const ChildContext& context, const SpawnRequest& request) {
    return spawn_failure({context.failed_step, context.error, context.failed_call,
                          context.failed_path, context.failed_operation},
                         request.identity);
}

}  // namespace

Spawner::Spawner() : stack_(256 * 1024), program_stack_(64 * 1024) {
    sigemptyset(&ignored_signals_);
    sigaddset(&ignored_signals_, SIGPIPE);  // the server ignores it from its start on
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        struct sigaction action {};
        if (sigaction(signal_number, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) {
            sigaddset(&ignored_signals_, signal_number);
        }
    }
}

std::variant<ChildProcess, SpawnFailure> Spawner::spawn(const SpawnRequest& request,
                                                        SpawnNotes* notes) {
    const auto argv = pointers_to(request.argv);
    const auto envp = pointers_to(request.environment);
    std::vector<int> sources = {request.stdin_fd, request.stdout_fd, request.stderr_fd};
    std::vector<int> targets = {0, 1, 2};
    for (const auto& extra : request.extra_fds) {
        sources.push_back(extra.source);
        targets.push_back(extra.target);
    }
    std::vector<int> scratch(sources.size(), -1);
    const int first_free = *std::max_element(targets.begin(), targets.end()) + 1;
    ChildContext context{
        request.executable.c_str(),
        argv.data(),
        envp.data(),
        sources.data(),
        targets.data(),
        scratch.data(),
        sources.size(),
        first_free,
        request.working_directory_fd,
        request.working_directory.c_str(),
        request.fallback_directory.empty() ? nullptr : request.fallback_directory.c_str(),
        request.controlling_terminal,
        false,
        request.umask,
        &ignored_signals_,
        child_descriptor_limit_ ? &*child_descriptor_limit_ : nullptr,
        request.identity ? &*request.identity : nullptr,
        getpid(),
        SpawnStep::kExecute,
        0,
        nullptr,
        nullptr};
    std::optional<profile::SandboxHolder> fresh_holder;
    // With a pid namespace the child is born in it: the server enters it for this clone only.
    std::optional<profile::ChildrenPidNamespace> children_pid_namespace;
    if (sandbox_ != nullptr) {
        try {
            const int holder = sandbox_->holder_for_call(fresh_holder);
            context.stages = {holder, sandbox_->last_capability(),
                              sandbox_->server_enters_pid_namespace()};
            sandbox_->place_children(holder, children_pid_namespace);
        } catch (const profile::SandboxError& e) {
            return SpawnFailure{ExitStatus::not_started(SpawnStep::kApplyProfile, e.error),
                                e.detail};
        }
        context.profile = &sandbox_->profile();
        if (context.profile->program_in_new_pid_namespace() &&
            !context.stages.born_in_pid_namespace) {
            context.program_stack_top = program_stack_.top();
        }
    }
    context.dry_run = request.dry_run;
    int pidfd = -1;
    const pid_t pid =
        clone_vfork_child(stack_.bytes(), request.cgroup_fd, child_main, &context, pidfd);
    children_pid_namespace.reset();
    if (sandbox_ != nullptr) sandbox_->program_started(fresh_holder);
    if (pid < 0) {
        return SpawnFailure{ExitStatus::not_started(SpawnStep::kCreateProcess, -pid),
                            request.cgroup_fd >= 0 ? "clone3 into the session cgroup" : "clone"};
    }
    ChildProcess child(pid, UniqueFd(pidfd));
    if (notes != nullptr) notes->used_fallback_directory = context.used_fallback;
    if (context.program_stack_top != nullptr) {
        child.reap();  // it has exited, once the program has exec'd or failed
        auto adopted = adopt_program(context.program_pid, context.error != 0);
        if (auto* program = std::get_if<ChildProcess>(&adopted)) return std::move(*program);
        if (context.error == 0) {
            context.failed_step = SpawnStep::kCreateProcess;
            context.error = std::get<int>(adopted);
            context.failed_call = "pidfd_open for the program in the new pid namespace";
        }
        return failure_of(context, request);
    }
    if (context.error == 0) return child;
    child.reap();  // it has already _exit()ed
    return failure_of(context, request);
}

}  // namespace bro::server
