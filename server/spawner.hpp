#pragma once
// Spawner starts children with clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD): no page-table
// copy, and the parent learns exactly which set-up step failed and why.

#include <signal.h>
#include <sys/resource.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/exit_status.hpp"
#include "server/child_process.hpp"
#include "server/child_stack.hpp"
#include "server/profile/sandbox.hpp"
#include "server/spawn_failure.hpp"
#include "server/spawn_request.hpp"

namespace bro::server {

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
    // Every child from now on gets the execution profile: its prepare, enter and lock-down
    // stages, inside the sandbox `sandbox` holds (server/profile/execution_profile.hpp).
    void use_sandbox(profile::Sandbox& sandbox) { sandbox_ = &sandbox; }

  private:
    // The child's stack. Reused: with CLONE_VFORK the child is done with it before clone()
    // returns in the parent.
    ChildStack stack_;
    // For a server that cannot enter the sandbox's pid namespace itself, the program is a second
    // clone, made by the child on this stack while the child waits on its own (CLONE_VFORK).
    ChildStack program_stack_;
    sigset_t ignored_signals_;
    std::optional<rlimit> child_descriptor_limit_;
    profile::Sandbox* sandbox_ = nullptr;
};

}  // namespace bro::server
