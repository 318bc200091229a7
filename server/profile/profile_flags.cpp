#include "server/profile/profile_flags.hpp"

#include <array>

namespace bro::server::profile {
namespace {

using G = FlagGroup;

constexpr auto kFlags = std::to_array<ProfileFlagSpec>({
    // Namespaces: what the sandbox holder is created with.
    {"unshare-user", 0, "", G::kNamespaces,
     "a new user namespace (the child is --uid inside, the server's uid outside; excludes "
     "--user, --group, --groups and --as-peer)"},
    {"unshare-ipc", 0, "", G::kNamespaces, "a new IPC namespace"},
    {"unshare-pid", 0, "", G::kNamespaces,
     "a new pid namespace, whose pid 1 is the sandbox's holder (it reaps orphans); with "
     "--fresh-sandbox the program is its pid 2"},
    {"unshare-net", 0, "", G::kNamespaces, "a new network namespace (only a loopback device)"},
    {"unshare-uts", 0, "", G::kNamespaces, "a new UTS namespace (see --hostname)"},
    {"unshare-cgroup", 0, "", G::kNamespaces, "a new cgroup namespace"},
    {"unshare-all", 0, "", G::kNamespaces,
     "all of the above (user only when no --user/--group/--groups/--as-peer is given)"},
    {"share-net", 0, "", G::kNamespaces,
     "keep the host's network despite an earlier --unshare-all"},
    {"uid", 1, "UID", G::kNamespaces,
     "the child's uid inside --unshare-user (default: the server's)"},
    {"gid", 1, "GID", G::kNamespaces,
     "the child's gid inside --unshare-user (default: the server's)"},
    {"hostname", 1, "NAME", G::kNamespaces, "the hostname inside --unshare-uts"},
    {"setns", 1, "FILE", G::kNamespaces,
     "join the namespace FILE names (/proc/PID/ns/net of a running container, a bind-mounted "
     "namespace file) before anything else, on every call; repeatable"},
    // Filesystem: a new root, built in the order given.
    {"bind", 2, "SRC DEST", G::kFilesystem,
     "bind-mount the host's SRC on DEST (recursively; nosuid, nodev)"},
    {"bind-try", 2, "SRC DEST", G::kFilesystem, "--bind, skipped when SRC does not exist"},
    {"ro-bind", 2, "SRC DEST", G::kFilesystem, "--bind, read-only (every mount below it too)"},
    {"ro-bind-try", 2, "SRC DEST", G::kFilesystem, "--ro-bind, skipped when SRC does not exist"},
    {"dev-bind", 2, "SRC DEST", G::kFilesystem, "--bind, with device nodes usable"},
    {"dev-bind-try", 2, "SRC DEST", G::kFilesystem, "--dev-bind, skipped when SRC does not exist"},
    {"remount-ro", 1, "DEST", G::kFilesystem,
     "make the mount at DEST read-only (that mount only, not those below it)"},
    {"tmpfs", 1, "DEST", G::kFilesystem, "a new tmpfs on DEST (see --size, --perms)"},
    {"size", 1, "BYTES", G::kFilesystem, "the size of the next --tmpfs"},
    {"perms", 1, "OCTAL", G::kFilesystem, "the mode of the next --tmpfs or --dir (default 0755)"},
    {"proc", 1, "DEST", G::kFilesystem,
     "a new procfs on DEST (of the new pid namespace with --unshare-pid); its sys, sysrq-trigger, "
     "irq and bus read-only"},
    {"dev", 1, "DEST", G::kFilesystem,
     "a new /dev on DEST: null, zero, full, random, urandom and tty from the host, fd, stdin, "
     "stdout, stderr, shm and a new devpts instance on pts"},
    {"mqueue", 1, "DEST", G::kFilesystem, "a new mqueue filesystem on DEST"},
    {"dir", 1, "DEST", G::kFilesystem, "create the directory DEST (see --perms)"},
    {"symlink", 2, "TARGET DEST", G::kFilesystem, "create the symlink DEST pointing at TARGET"},
    {"chmod", 2, "OCTAL PATH", G::kFilesystem, "change the mode of PATH, which must exist"},
    {"chdir", 1, "DIR", G::kFilesystem,
     "the program starts in DIR inside the sandbox instead of the caller's directory "
     "(excludes --cwd)"},
    {"pivot-root", 1, "DIR", G::kFilesystem,
     "the new root is the host's directory DIR (bind-mounted, entered with pivot_root) instead "
     "of an empty tmpfs; DEST paths are inside it"},
    {"chroot", 1, "DIR", G::kFilesystem,
     "chroot into DIR (inside the sandbox, if there is one) on every call; without namespaces "
     "this is dived's -R"},
    // broot's build root as one set of flags.
    {"build-root", 1, "ROOT", G::kBuildRoot,
     "broot's build root: ROOT read-only as the new root (pivot_root), /proc, /sys read-only, "
     "/dev with /dev/pts, a new network namespace, and every capability dropped and read back "
     "as zero before exec. Needs --src and --out"},
    {"src", 1, "DIR[:INSIDE]", G::kBuildRoot,
     "the sources, read-only at INSIDE (default: DIR) in the build root"},
    {"out", 1, "DIR[:INSIDE]", G::kBuildRoot,
     "the output directory, writable at INSIDE (default: DIR) in the build root"},
    {"tmpfs-at", 1, "PATH", G::kBuildRoot, "a tmpfs at PATH in the build root"},
    // Process attributes, dived's table.
    {"cap-add", 1, "CAP", G::kProcess,
     "keep (or, for a non-root child, grant) capability CAP (CAP_NET_BIND_SERVICE, ALL); "
     "--cap-add and --cap-drop apply in order to what the child would have had"},
    {"cap-drop", 1, "CAP", G::kProcess,
     "remove CAP (or ALL) from the bounding, permitted, effective, inheritable and ambient sets; "
     "the result is read back before exec"},
    {"no-new-privs", 0, "", G::kProcess, "set PR_SET_NO_NEW_PRIVS (setuid bits stop working)"},
    {"lock-securebits", 0, "", G::kProcess,
     "set and lock SECBIT_NOROOT and SECBIT_NO_SETUID_FIXUP (root gains no capabilities by exec)"},
    {"rlimit", 1, "NAME=SOFT[:HARD]", G::kProcess,
     "a resource limit (nofile, nproc, as, core, cpu, fsize, stack, ...; a number or "
     "unlimited; one value sets both); repeatable"},
    {"nice", 1, "N", G::kProcess, "the child's nice value (-20 to 19)"},
    {"oom-score-adj", 1, "N", G::kProcess, "the child's oom_score_adj (-1000 to 1000)"},
    {"seccomp", 1, "FILE", G::kProcess,
     "load the compiled cBPF program in FILE (as seccomp_export_bpf writes it) as a seccomp "
     "filter, last before exec; implies --no-new-privs"},
    // Trying a profile.
    {"fresh-sandbox", 0, "", G::kTrying,
     "build the namespaces and the mount tree for every call instead of once at start-up "
     "(slower; no state is shared between calls)"},
});

}  // namespace

std::span<const ProfileFlagSpec> profile_flag_specs() {
    return kFlags;
}

const ProfileFlagSpec* find_profile_flag(std::string_view name) {
    for (const auto& flag : kFlags) {
        if (name == flag.name) return &flag;
    }
    return nullptr;
}

const char* group_heading(FlagGroup group) {
    switch (group) {
        case FlagGroup::kNamespaces:
            return "Sandbox: namespaces (flags in order; in a config file, its profile list)";
        case FlagGroup::kFilesystem:
            return "Sandbox: filesystem, applied in the order given (bubblewrap's operations)";
        case FlagGroup::kBuildRoot:
            return "Sandbox: a build root (broot)";
        case FlagGroup::kProcess:
            return "Sandbox: process attributes (dived)";
        case FlagGroup::kTrying:
            return "Sandbox: when it is built";
    }
    return "";
}

}  // namespace bro::server::profile
