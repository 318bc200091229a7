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
    // Where the child starts: either a directory the server resolved (an O_PATH descriptor the
    // child only fchdir()s to: cwd_resolution.hpp), or, without one, a path the child enters
    // itself with chdir() (a fixed directory inside a root the child changes). The path names
    // the directory in reports either way.
    int working_directory_fd = -1;
    std::string working_directory;
    std::string fallback_directory;  // where the child goes if that fails; empty: the spawn fails
    // A cgroup (O_PATH descriptor) the child starts in (clone3 CLONE_INTO_CGROUP); -1: the
    // server's own.
    int cgroup_fd = -1;
    mode_t umask = 022;
    // Switched to before the working directory is entered, so the directory and the program
    // are reached with the child's own permissions. nullopt: the server's identity.
    std::optional<ChildIdentity> identity = {};
    // bro-server --check: every step up to exec, which is replaced by a check that the
    // executable can be run there; the child then exits 0.
    bool dry_run = false;
};

}  // namespace bro::server
