#pragma once
// What a child is started with: program, arguments, environment, descriptors, directory,
// umask and identity. Built by plan_spawn() (spawn_plan.hpp), carried out by the Spawner.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "server/child_identity.hpp"

namespace bro::server {

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
    // bro-server --check: every step up to exec, which is replaced by a check that the
    // executable can be run there; the child then exits 0.
    bool dry_run = false;
};

}  // namespace bro::server
