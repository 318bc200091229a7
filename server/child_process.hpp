#pragma once
// ChildProcess owns a running child through its pidfd: destroying one that was not reaped
// kills its whole process group and reaps it, so no path leaves an orphan or a zombie.
// Spawner starts children with clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD): no page-table
// copy, and the parent learns exactly which set-up step failed and why.

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/exit_status.hpp"
#include "core/unique_fd.hpp"
#include "server/child_identity.hpp"

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
    // started too. No-op once reaped.
    void kill_group(int signal) const;
    // Call once the exit status was collected (the pid may be reused from then on).
    void mark_reaped() { reaped_ = true; }
    bool reaped() const { return reaped_; }

  private:
    pid_t pid_;
    UniqueFd pidfd_;
    bool reaped_ = false;
};

// A descriptor of the server that becomes `target` in the child.
struct FdMapping {
    int source;
    int target;
};

struct SpawnRequest {
    std::string executable;
    std::vector<std::string> argv;         // argv[0] included
    std::vector<std::string> environment;  // NAME=value
    int stdin_fd = -1;                     // become the child's fds 0, 1, 2
    int stdout_fd = -1;
    int stderr_fd = -1;
    std::vector<FdMapping> extra_fds;  // targets >= 3, distinct (fd-passing mode)
    // stdin is a terminal the child makes its controlling terminal (TIOCSCTTY) in the new
    // session it leads: a terminal session's pseudo-terminal, never the caller's terminal.
    bool controlling_terminal = false;
    int working_directory_fd = -1;   // tried first (fchdir), when given
    std::string working_directory;   // tried next (chdir)
    std::string fallback_directory;  // then this; empty: no fallback, the spawn fails
    mode_t umask = 022;
    // Switched to before the working directory is entered, so the directory and the program
    // are reached with the child's own permissions. nullopt: the server's identity.
    std::optional<ChildIdentity> identity = {};
};

// A child that never reached exec: the failed step with its errno, and what it was doing
// ("execve /usr/bin/tool"), which the Exit frame carries to the client.
struct SpawnFailure {
    ExitStatus status;
    std::string detail;
};

// What a successful spawn did beyond the request's first choice.
struct SpawnNotes {
    bool used_fallback_directory = false;
};

class Spawner {
  public:
    // Notes which signals the server ignores (the children get them back at their defaults).
    Spawner();
    // Blocks only until the child has exec'd (CLONE_VFORK); the one blocking call the reactor
    // makes. On failure the child is already reaped and the status says which step failed.
    std::variant<ChildProcess, SpawnFailure> spawn(const SpawnRequest& request,
                                                   SpawnNotes* notes = nullptr);
    // The RLIMIT_NOFILE children start with, when the server raised its own: programs that
    // use select() break on descriptors above 1024, so they get the limit the server was
    // started with (the usual soft limit), not the server's.
    void give_children_descriptor_limit(const rlimit& limit) { child_descriptor_limit_ = limit; }

  private:
    // The child's stack. Reused: with CLONE_VFORK the child is done with it before clone()
    // returns in the parent.
    std::vector<unsigned char> stack_;
    sigset_t ignored_signals_;
    std::optional<rlimit> child_descriptor_limit_;
};

}  // namespace bro::server
