#pragma once
// The execution profile at run time, as the Spawner uses it: the prepared sandbox holder (built
// at start-up, built again when it has died), or with --fresh-sandbox a new holder for every
// call, kept until that call's program no longer needs it.

#include <list>
#include <optional>

#include "core/unique_fd.hpp"
#include "server/profile/children_pid_namespace.hpp"
#include "server/profile/execution_profile.hpp"
#include "server/profile/sandbox_holder.hpp"

namespace bro::server::profile {

class Sandbox {
  public:
    // Builds the prepared holder now when the profile needs one (and is not --fresh-sandbox).
    // Throws SandboxError naming the operation that failed.
    explicit Sandbox(const ExecutionProfile& profile);
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    const ExecutionProfile& profile() const { return profile_; }
    int last_capability() const { return last_capability_; }
    // With a pid namespace, whether the server can enter it for a clone (it has CAP_SYS_ADMIN);
    // if not, the child starts the program there by a second clone.
    bool server_enters_pid_namespace() const { return server_enters_pid_namespace_; }

    // The pidfd of the holder a call's child joins (-1: the profile has none). A holder built for
    // this call alone is put in `fresh`. Throws SandboxError when no holder can be built.
    int holder_for_call(std::optional<SandboxHolder>& fresh);
    // Just before the call's clone: with a pid namespace, the server's next child is born in
    // the holder's (or in the one a --setns FILE names) until `scope` is reset, right after the
    // clone. Throws SandboxError.
    void place_children(int holder_pidfd, std::optional<ChildrenPidNamespace>& scope) const;
    // After the spawn: a fresh holder is told its program runs, and kept until it has exited.
    void program_started(std::optional<SandboxHolder>& fresh);
    // The prepared holder's pid, for tests and logs; 0 without one.
    pid_t prepared_holder_pid() const { return prepared_ ? prepared_->pid() : 0; }

  private:
    const ExecutionProfile& profile_;
    int last_capability_;
    UniqueFd own_pid_namespace_;  // to return to after each clone; with a pid namespace only
    bool server_enters_pid_namespace_;
    std::optional<SandboxHolder> prepared_;
    std::list<SandboxHolder> retiring_;  // fresh holders whose program may still run
};

}  // namespace bro::server::profile
