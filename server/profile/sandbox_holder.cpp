#include "server/profile/sandbox_holder.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "server/profile/child_steps.hpp"
#include "server/profile/namespace_names.hpp"

namespace bro::server::profile {
namespace {

// What the owner writes on the control pipe once the call's program is started.
constexpr char kProgramStarted = 'p';

// The program of a fresh holder's pid namespace: the first process after the holder.
constexpr pid_t kProgramPidInside = 2;

void close_all_but(int keep_a, int keep_b) {
    const int low = std::min(keep_a, keep_b);
    const int high = std::max(keep_a, keep_b);
    if (low > 0) syscall(SYS_close_range, 0U, static_cast<unsigned>(low - 1), 0U);
    if (high > low + 1) {
        syscall(SYS_close_range, static_cast<unsigned>(low + 1), static_cast<unsigned>(high - 1),
                0U);
    }
    syscall(SYS_close_range, static_cast<unsigned>(high + 1), ~0U, 0U);
}

void reap_orphans() {
    siginfo_t info{};
    while (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) == 0 && info.si_pid != 0) info = {};
}

// After the build: reap what is reparented to us (pid 1 of a pid namespace), and leave when the
// server is gone (end of file) or the program we were kept for has exited.
[[noreturn]] void hold(int control, bool pid_namespace) {
    sigset_t children;
    sigemptyset(&children);
    sigaddset(&children, SIGCHLD);
    sigprocmask(SIG_BLOCK, &children, nullptr);
    const int child_events = signalfd(-1, &children, SFD_CLOEXEC | SFD_NONBLOCK);
    int program = -1;
    for (;;) {
        pollfd events[3] = {{control, POLLIN, 0}, {child_events, POLLIN, 0}, {program, POLLIN, 0}};
        if (poll(events, program >= 0 ? 3 : 2, -1) < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        if (events[1].revents != 0) {
            signalfd_siginfo drained[8];
            while (read(child_events, drained, sizeof drained) > 0) {
            }
            reap_orphans();
        }
        if (program >= 0 && events[2].revents != 0) _exit(0);
        if (events[0].revents != 0) {
            char command = 0;
            if (read(control, &command, 1) != 1 || command != kProgramStarted || !pid_namespace) {
                _exit(0);
            }
            program = static_cast<int>(syscall(SYS_pidfd_open, kProgramPidInside, 0));
            if (program < 0) _exit(0);  // it never started, or is already gone
        }
    }
}

// The holder: a copy of the server, in the new namespaces. Raw system calls only.
[[noreturn]] void holder_main(const ExecutionProfile& profile, int control, int report) {
    close_all_but(control, report);
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    umask(0);  // --perms and --dir modes are exact
    const StepFailure failure = apply_stage(profile, Stage::kBuild, {});
    const ssize_t sent = write(report, &failure, sizeof failure);
    if (failure || sent != static_cast<ssize_t>(sizeof failure)) _exit(1);
    close(report);
    hold(control, profile.program_in_new_pid_namespace());
}

StepFailure read_report(int report) {
    StepFailure failure;
    std::size_t have = 0;
    auto* bytes = reinterpret_cast<char*>(&failure);
    while (have < sizeof failure) {
        const ssize_t got = read(report, bytes + have, sizeof failure - have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            throw SandboxError("the sandbox holder exited while building the sandbox",
                               got < 0 ? errno : ECHILD);
        }
        have += static_cast<std::size_t>(got);
    }
    return failure;
}

void open_pipe(UniqueFd (&ends)[2]) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw SandboxError("pipe2 for the sandbox holder", errno);
    ends[0].reset(fds[0]);
    ends[1].reset(fds[1]);
}

}  // namespace

SandboxError::SandboxError(std::string what, int number)
    : std::runtime_error(what + ": " + std::strerror(number)),
      detail(std::move(what)),
      error(number) {}

std::string describe_failure(const StepFailure& failure) {
    std::string text = failure.operation ? failure.operation->spelling : "the sandbox";
    if (failure.call != nullptr) text.append(": ").append(failure.call);
    if (failure.path != nullptr) text.append(" ").append(failure.path);
    return text;
}

SandboxHolder SandboxHolder::build(const ExecutionProfile& profile) {
    UniqueFd control[2];
    UniqueFd report[2];
    open_pipe(control);
    open_pipe(report);
    int pidfd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD | static_cast<unsigned>(profile.namespaces);
    args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    // Without a stack of its own the child continues on a copy of ours, as after fork().
    const long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) holder_main(profile, control[0].get(), report[1].get());
    if (pid < 0) {
        throw SandboxError("clone3 into new " + namespace_list(profile.namespaces) +
                               " namespaces (run bro-server as root, or add --unshare-user)",
                           errno);
    }
    SandboxHolder holder(static_cast<pid_t>(pid), UniqueFd(pidfd), std::move(control[1]));
    control[0].reset();
    report[1].reset();
    const StepFailure failure = read_report(report[0].get());
    if (failure) throw SandboxError(describe_failure(failure), failure.error);
    return holder;
}

SandboxHolder::~SandboxHolder() {
    if (reaped_ || !pidfd_) return;
    syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    siginfo_t info{};
    while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                  WEXITED) != 0 &&
           errno == EINTR) {
    }
}

bool SandboxHolder::alive() const {
    pollfd event{pidfd_.get(), POLLIN, 0};
    return !reaped_ && poll(&event, 1, 0) == 0;
}

void SandboxHolder::release_after_program() {
    const char command = kProgramStarted;
    if (write(control_.get(), &command, 1) != 1) control_.reset();  // it is gone already
}

bool SandboxHolder::try_reap() {
    if (reaped_) return true;
    siginfo_t info{};
    if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
               WEXITED | WNOHANG) == 0 &&
        info.si_pid != 0) {
        reaped_ = true;
    }
    return reaped_;
}

}  // namespace bro::server::profile
