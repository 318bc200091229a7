#pragma once
// The sandbox holder: a process that creates the profile's namespaces and mount tree (the
// build stage) and then only keeps them alive, so each call's child can join them with one
// setns() on the holder's pidfd (kernel >= 5.8) instead of building its own.
//
// It is a fork of the server (clone3 without CLONE_VM, straight into the namespaces), not a
// clone sharing its memory: it outlives the call that made it and runs a loop of its own. In a
// pid namespace it is pid 1: it reaps the orphans reparented to it, and the program the call's
// child starts there is pid 2. It closes every descriptor it inherited but its two pipes, dies
// with the server (PR_SET_PDEATHSIG, and end of file on its control pipe), and SIGKILL from
// the owner ends it and with it the pid namespace.
//
// Its failure report is a StepFailure sent through a pipe: the holder's memory is a copy of the
// server's, so the pointers in it (to the profile's operations and strings, to string
// literals) mean the same in the server, which never changes the profile.

#include <sys/types.h>

#include <stdexcept>
#include <string>

#include "core/unique_fd.hpp"
#include "server/profile/child_failure.hpp"
#include "server/profile/execution_profile.hpp"

namespace bro::server::profile {

// The sandbox could not be built or joined: `detail` names the operation, the call and the
// path ("--ro-bind /data /data: stat /data"), `error` is errno.
struct SandboxError : std::runtime_error {
    SandboxError(std::string detail, int error);
    std::string detail;
    int error;
};

class SandboxHolder {
  public:
    // Clones the holder and waits (blocking) until it has run the build stage. Throws
    // SandboxError for the operation that failed, or when the namespaces cannot be created.
    static SandboxHolder build(const ExecutionProfile& profile);

    SandboxHolder(SandboxHolder&&) noexcept = default;
    SandboxHolder& operator=(SandboxHolder&&) = delete;
    ~SandboxHolder();  // SIGKILL and reap, unless already reaped

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    // False once the holder has exited (it may still need reaping).
    bool alive() const;
    // A holder made for one call (--fresh-sandbox), once that call's program is started: it
    // stays while its pid namespace's pid 2 lives, and leaves at once without a pid namespace.
    void release_after_program();
    // Reaps the holder if it has exited; true once reaped.
    bool try_reap();

  private:
    SandboxHolder(pid_t pid, UniqueFd pidfd, UniqueFd control)
        : pid_(pid), pidfd_(std::move(pidfd)), control_(std::move(control)) {}

    pid_t pid_;
    UniqueFd pidfd_;
    UniqueFd control_;  // write end of the holder's control pipe
    bool reaped_ = false;
};

// "--ro-bind /data /data: stat /data": the operation and what failed in it, for errors.
std::string describe_failure(const StepFailure& failure);

}  // namespace bro::server::profile
