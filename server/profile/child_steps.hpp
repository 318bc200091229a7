#pragma once
// The one function that carries out a stage of the execution profile, operation by operation
// in the profile's order (bubblewrap's setup_newroot, for every stage): the sandbox holder runs
// the build stage; each call's child runs prepare, enter and lock down (spawner.cpp).
//
// Child-side code: raw system calls only, no allocation, no exceptions; it runs on the
// server's memory (CLONE_VM) or on the holder's copy of it. The first failure stops the stage
// and says which operation failed, with the call, the operator's path and errno.

#include "server/profile/child_failure.hpp"
#include "server/profile/execution_profile.hpp"

namespace bro::server::profile {

// What the parent prepares for the stages a call's child runs.
struct StageContext {
    int holder_pidfd = -1;     // the sandbox holder to join (kJoinSandbox)
    int last_capability = 40;  // the kernel's, read by the parent
    // The server entered the pid namespace for the clone (children_pid_namespace.hpp): the
    // child is born in it and joins every other namespace. Otherwise (a server without
    // CAP_SYS_ADMIN) the child joins it too, and starts the program by a second clone.
    bool born_in_pid_namespace = true;
};

StepFailure apply_stage(const ExecutionProfile& profile, Stage stage, const StageContext& context);

}  // namespace bro::server::profile
