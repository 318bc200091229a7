#pragma once
// The execution profile: everything the server shapes around each child besides argv, the
// environment and the identity. Built once at start-up from the flags (profile_parser.hpp),
// immutable afterwards, and applied to every call:
//
//   stage      where                                 operations
//   prepare    the call's child, still on the host    --rlimit --nice --oom-score-adj --setns
//   build      the sandbox holder (sandbox_holder)    --unshare-* maps --hostname, the new root
//   enter      the call's child                       join the holder's namespaces, --chroot
//   lock down  the call's child, just before exec     capabilities, securebits, no_new_privs,
//                                                     seccomp
//
// The holder is a process that creates the namespaces and the mount tree once (at start-up,
// or per call with --fresh-sandbox) and keeps them alive; each call's child joins them with
// one setns() on its pidfd, so a call pays for entering a sandbox, not for building one.

#include <linux/filter.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "server/profile/operation.hpp"

namespace bro::server::profile {

struct ExecutionProfile {
    // In application order: stage by stage (stage_of), the flags' order within a stage.
    std::vector<Operation> operations;
    int namespaces = 0;                 // CLONE_NEW* the holder is created with; 0: no holder
    bool fresh = false;                 // --fresh-sandbox: a new holder for every call
    bool builds_root = false;           // the holder pivots into a new root
    bool chroots = false;               // --chroot
    bool manages_capabilities = false;  // --cap-add/--cap-drop/--lock-securebits/--build-root
    bool joins_pid_namespace = false;  // a --setns FILE names a pid namespace (number CLONE_NEWPID)
    uid_t uid_inside = 0;              // with a user namespace: the child's uid in it
    // --chdir: the program's directory inside the sandbox, in place of the caller's.
    std::optional<std::string> working_directory;
    // --seccomp FILE, loaded at start-up (profile_config.cpp); empty: no filter.
    std::string seccomp_file;
    std::vector<sock_filter> seccomp_filter;

    bool empty() const { return operations.empty(); }
    bool needs_holder() const { return namespaces != 0; }
    // The child's "/" is not the host's: the caller's directory is looked up by path inside,
    // never entered through a descriptor from outside (which would escape the new root).
    bool changes_root() const { return builds_root || chroots; }
    bool user_namespace() const;
    // The call's child is born in another pid namespace (the sandbox's, or a --setns one): the
    // server enters it for the moment of the clone (children_pid_namespace.hpp).
    bool program_in_new_pid_namespace() const;
};

// The effective profile, one line per operation in application order, under a heading per
// stage: what `bro-server --check` prints.
std::string describe_profile(const ExecutionProfile& profile);

}  // namespace bro::server::profile
