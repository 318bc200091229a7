#pragma once
// ChildProcess owns a running child through its pidfd: destroying one that was not reaped
// kills its whole process group and reaps it, so no path leaves an orphan or a zombie.

#include <sys/types.h>

#include "core/unique_fd.hpp"

namespace bro::server {

class ChildProcess {
  public:
    ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    ChildProcess(ChildProcess&&) noexcept = default;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    // The child leads its own process group (it called setsid), so this reaches the tools it
    // started too, also after the child exited, while it is a zombie: until it is reaped its
    // pid, hence the group's id, cannot be reused. No-op once reaped.
    void kill_group(int signal) const;
    // Call once the exit status was collected without reaping (WNOWAIT): the child is a
    // zombie, its group can still be signalled, and reap() will not wait.
    void mark_exited() { exited_ = true; }
    // Call once the exit status was collected by reaping (the pid may be reused from then on).
    void mark_reaped() { exited_ = reaped_ = true; }
    // Blocks until the child is gone and reaps it: only for a child that has exited or was
    // killed (a zombie, a spawn that failed before exec, the destructor).
    void reap();
    bool exited() const { return exited_; }
    bool reaped() const { return reaped_; }

  private:
    pid_t pid_;
    UniqueFd pidfd_;
    bool exited_ = false;
    bool reaped_ = false;
};

}  // namespace bro::server
