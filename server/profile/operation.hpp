#pragma once
// One step of the execution profile, as bubblewrap's SetupOp is one step of its sandbox: a type,
// the paths and values the operator gave, and everything the child needs to carry it out
// prepared in advance. The child runs on the server's memory (CLONE_VM) or on a copy of it (the
// sandbox holder), so it may not allocate: every string it passes to a system call is built
// here, by the parser, once at start-up.

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace bro::server::profile {

// When an operation runs, in this order. The flags' own order counts within a stage (the
// filesystem operations, --cap-add/--cap-drop, --setns); the stages' order is fixed, because
// each needs what the one before it set up (privileges for mounts, the new root for chdir, ...).
enum class Stage : std::uint8_t {
    kPrepare,   // every call, in the child, while it still sees the host: rlimits, setns FILE
    kBuild,     // the sandbox holder: namespaces, maps, hostname, the new root
    kEnter,     // every call, in the child: join the holder's namespaces, chroot
    kLockDown,  // every call, the last steps before exec: capabilities, no_new_privs, seccomp
};

enum class OperationType : std::uint8_t {
    // kPrepare
    kSetResourceLimit,  // --rlimit NAME=SOFT[:HARD]
    kSetNice,           // --nice N
    kSetOomScoreAdj,    // --oom-score-adj N
    kKeepCapabilities,  // implied: PR_SET_KEEPCAPS, so a kept capability survives --user
    kJoinNamespace,     // --setns FILE
    // kBuild
    kCreateNamespaces,  // --unshare-*: the flags the holder is cloned with (nothing to apply)
    kDenySetgroups,     // implied by --unshare-user: the kernel's condition for our gid_map
    kWriteUidMap,       // --uid, or the server's uid mapped to itself
    kWriteGidMap,       // --gid, likewise
    kSetHostname,       // --hostname
    kMakeMountsSlave,   // implied: host mount events reach the sandbox, none leave it
    kCreateRoot,        // implied: an empty tmpfs root, or --pivot-root/--build-root DIR
    kBind,              // --bind, --ro-bind, --dev-bind and their -try forms
    kRemountReadOnly,   // --remount-ro
    kMountTmpfs,        // --tmpfs (with --size, --perms)
    kMountProc,         // --proc
    kMountDev,          // --dev
    kMountMqueue,       // --mqueue
    kMakeDirectory,     // --dir (with --perms)
    kMakeSymlink,       // --symlink
    kChangeMode,        // --chmod
    kSwitchRoot,        // implied: pivot_root into the new root, the host's detached
    // kEnter
    kJoinSandbox,  // implied: setns() on the holder's pidfd, for the namespaces it holds
    kChroot,       // --chroot DIR
    // kLockDown
    kAddCapability,       // --cap-add CAP|ALL
    kDropCapability,      // --cap-drop CAP|ALL
    kApplyCapabilities,   // implied: set the result everywhere, then read it back
    kLockSecurebits,      // --lock-securebits
    kSetNoNewPrivileges,  // --no-new-privs (implied by --seccomp)
    kLoadSeccompFilter,   // --seccomp FILE
};

Stage stage_of(OperationType type);

struct Operation {
    OperationType type;
    // How the operator wrote it, for --check and for error messages: "--ro-bind /usr /usr".
    // Implied operations say what implied them.
    std::string spelling;
    std::string source = {};       // as given: a host path, a namespace file, a symlink's target
    std::string destination = {};  // as given: a path inside the sandbox
    // What the holder passes to the kernel while it builds: it sees the host under /oldroot
    // and the new root under /newroot (bubblewrap's layout).
    std::string source_path = {};
    std::string destination_path = {};
    // Text the child writes or passes as is: map lines, the hostname, mount options, the
    // oom_score_adj value.
    std::string data = {};
    bool optional = false;   // -try: a missing source is skipped
    bool read_only = false;  // --ro-bind, --build-root's root
    bool devices = false;    // --dev-bind: device nodes stay usable
    mode_t mode = 0755;      // --perms, --chmod
    int number = 0;          // capability (-1: ALL), resource, nice value, CLONE_NEW* flags
    rlimit limit{};          // --rlimit
};

}  // namespace bro::server::profile
