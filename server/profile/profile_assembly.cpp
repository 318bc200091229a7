// assemble_profile: the draft's combinations checked, then its operations laid out stage by
// stage, with the implied ones (maps, the root, the session directories, the capability check)
// where they belong.

#include <sched.h>

#include "server/profile/namespace_names.hpp"
#include "server/profile/profile_draft.hpp"

namespace bro::server::profile {
namespace {

void check_combinations(const ProfileDraft& draft, const ProfileContext& context) {
    const bool user = (draft.unshare & CLONE_NEWUSER) != 0;
    if ((draft.uid || draft.gid) && !user) {
        throw ProfileError(
            "--uid/--gid: they set the ids inside a user namespace; add "
            "--unshare-user or drop them");
    }
    if (draft.hostname && (draft.unshare & CLONE_NEWUTS) == 0) {
        throw ProfileError("--hostname " + *draft.hostname +
                           ": the host's name cannot change; add --unshare-uts");
    }
    if (user && context.child_identity_switches) {
        throw ProfileError(
            "--unshare-user with --user/--group/--groups/--as-peer: inside a user namespace the "
            "child's ids are --uid/--gid; run bro-server as the user instead, or drop "
            "--unshare-user");
    }
    const bool build_root_part = draft.source || draft.output || draft.tmpfs_at;
    if (build_root_part && !draft.build_root) {
        throw ProfileError("--src/--out/--tmpfs-at belong to --build-root ROOT; add it");
    }
    if (draft.build_root && (!draft.source || !draft.output)) {
        throw ProfileError("--build-root " + *draft.build_root +
                           ": give the sources with --src DIR[:INSIDE] and the output with "
                           "--out DIR[:INSIDE]");
    }
    if (draft.build_root && draft.root) {
        throw ProfileError("--build-root and --pivot-root both choose the root; give one");
    }
    if (draft.chdir && context.cwd_given) {
        throw ProfileError("--chdir " + *draft.chdir +
                           " and --cwd both choose the program's directory; give one");
    }
}

std::string map_line(unsigned inside, unsigned outside) {
    return std::to_string(inside) + " " + std::to_string(outside) + " 1\n";
}

void add_namespaces(const ProfileDraft& draft, const ProfileContext& context,
                    ExecutionProfile& profile) {
    auto& operations = profile.operations;
    Operation create{OperationType::kCreateNamespaces,
                     "create namespaces: " + namespace_list(profile.namespaces)};
    create.number = profile.namespaces;
    operations.push_back(std::move(create));
    if (profile.user_namespace()) {
        const uid_t uid = draft.uid.value_or(context.server_uid);
        const gid_t gid = draft.gid.value_or(context.server_gid);
        profile.uid_inside = uid;
        Operation deny{OperationType::kDenySetgroups,
                       "deny setgroups in the user namespace (the kernel's condition for a "
                       "gid map written from inside)"};
        deny.data = "deny";
        operations.push_back(std::move(deny));
        Operation uid_map{OperationType::kWriteUidMap,
                          "map uid " + std::to_string(uid) + " inside to " +
                              std::to_string(context.server_uid) + " outside"};
        uid_map.data = map_line(uid, context.server_uid);
        operations.push_back(std::move(uid_map));
        Operation gid_map{OperationType::kWriteGidMap,
                          "map gid " + std::to_string(gid) + " inside to " +
                              std::to_string(context.server_gid) + " outside"};
        gid_map.data = map_line(gid, context.server_gid);
        operations.push_back(std::move(gid_map));
    }
    if (draft.hostname) {
        Operation hostname{OperationType::kSetHostname, "--hostname " + *draft.hostname};
        hostname.data = *draft.hostname;
        operations.push_back(std::move(hostname));
    }
    operations.push_back({OperationType::kMakeMountsSlave,
                          "make every mount a slave of the host's (host changes reach the "
                          "sandbox, none leave it)"});
}

Operation bind_operation(std::string spelling, const std::string& host, const std::string& inside,
                         bool read_only) {
    Operation bind = filesystem_operation(OperationType::kBind, std::move(spelling), inside);
    bind.source = host;
    bind.source_path = "/oldroot" + (host == "/" ? "" : host);
    bind.read_only = read_only;
    return bind;
}

// --build-root: broot's mounts, before the operator's own filesystem operations.
void add_build_root(ProfileDraft& draft, std::vector<Operation>& operations) {
    const auto implied = [](const char* flag, const char* what) {
        return std::string(flag) + " (" + what + ", --build-root)";
    };
    operations.push_back(filesystem_operation(OperationType::kMountProc,
                                              implied("--proc /proc", "implied"), "/proc"));
    operations.push_back(
        bind_operation(implied("--ro-bind /sys /sys", "implied"), "/sys", "/sys", true));
    operations.push_back(
        filesystem_operation(OperationType::kMountDev, implied("--dev /dev", "implied"), "/dev"));
    if (draft.tmpfs_at) {
        Operation tmpfs = filesystem_operation(OperationType::kMountTmpfs,
                                               "--tmpfs-at " + *draft.tmpfs_at, *draft.tmpfs_at);
        tmpfs.data = "mode=0755";
        operations.push_back(std::move(tmpfs));
    }
    operations.push_back(bind_operation(draft.source->spelling + " (read-only)", draft.source->host,
                                        draft.source->inside, true));
    operations.push_back(bind_operation(draft.output->spelling + " (writable)", draft.output->host,
                                        draft.output->inside, false));
    Operation drop_all{OperationType::kDropCapability, implied("--cap-drop ALL", "implied")};
    drop_all.number = -1;
    draft.capabilities.insert(draft.capabilities.begin(), std::move(drop_all));
}

void add_root(ProfileDraft& draft, const ProfileContext& context, ExecutionProfile& profile) {
    auto& operations = profile.operations;
    Operation root = draft.root ? std::move(*draft.root)
                                : Operation{OperationType::kCreateRoot,
                                            "create the root: an empty tmpfs (as bubblewrap)"};
    if (draft.build_root) {
        root.spelling = "--build-root " + *draft.build_root + " (read-only, the new root)";
        root.source = *draft.build_root;
        root.read_only = true;
    }
    if (!root.source.empty())
        root.source_path = "/oldroot" + (root.source == "/" ? "" : root.source);
    operations.push_back(std::move(root));
    if (draft.build_root) add_build_root(draft, operations);
    for (auto& operation : draft.filesystem) operations.push_back(std::move(operation));
    if (!context.session_directories.empty()) {
        const std::string& directories = context.session_directories;
        operations.push_back(bind_operation("--bind " + directories + " " + directories +
                                                " (implied: the session directories, where "
                                                "content mode copies file arguments)",
                                            directories, directories, false));
    }
    operations.push_back(
        {OperationType::kSwitchRoot, "pivot_root into the new root; the host's root is detached"});
}

void add_lock_down(ProfileDraft& draft, ExecutionProfile& profile) {
    auto& operations = profile.operations;
    for (auto& change : draft.capabilities) operations.push_back(std::move(change));
    // Before the capabilities are applied: locking needs CAP_SETPCAP, which they may drop.
    if (draft.lock_securebits) {
        operations.push_back({OperationType::kLockSecurebits, "--lock-securebits"});
    }
    if (profile.manages_capabilities) {
        operations.push_back({OperationType::kApplyCapabilities,
                              "set the capabilities everywhere (bounding, permitted, effective, "
                              "inheritable, ambient) and read them back"});
    }
    if (draft.no_new_privs || draft.seccomp_file) {
        operations.push_back(
            {OperationType::kSetNoNewPrivileges,
             draft.no_new_privs ? "--no-new-privs" : "--no-new-privs (implied by --seccomp)"});
    }
    if (draft.seccomp_file) {
        Operation filter{OperationType::kLoadSeccompFilter, "--seccomp " + *draft.seccomp_file};
        filter.source = *draft.seccomp_file;
        operations.push_back(std::move(filter));
        profile.seccomp_file = *draft.seccomp_file;
    }
}

}  // namespace

ExecutionProfile assemble_profile(ProfileDraft draft, const ProfileContext& context) {
    if (draft.unshare_all_user && !context.child_identity_switches) draft.unshare |= CLONE_NEWUSER;
    check_combinations(draft, context);
    ExecutionProfile profile;
    profile.fresh = draft.fresh;
    profile.builds_root = draft.root || draft.build_root || !draft.filesystem.empty();
    profile.chroots = draft.chroot.has_value();
    profile.working_directory = draft.chdir;
    profile.manages_capabilities =
        !draft.capabilities.empty() || draft.lock_securebits || draft.build_root;
    const int build_root_namespaces = draft.build_root ? CLONE_NEWNET : 0;
    // A holder always gets a mount namespace of its own, as bubblewrap's sandbox does: a pid
    // namespace needs its /proc, and the holder's mounts must never be the host's.
    if (draft.unshare != 0 || profile.builds_root) {
        profile.namespaces = draft.unshare | build_root_namespaces | CLONE_NEWNS;
    }
    if (profile.manages_capabilities && context.child_identity_switches) {
        draft.prepare.push_back({OperationType::kKeepCapabilities,
                                 "keep the permitted capabilities across the switch to --user "
                                 "(PR_SET_KEEPCAPS), so the kept ones survive it"});
    }
    for (auto& operation : draft.prepare) profile.operations.push_back(std::move(operation));
    if (profile.needs_holder()) {
        add_namespaces(draft, context, profile);
        if (profile.builds_root) {
            add_root(draft, context, profile);
        }
        profile.operations.push_back(
            {OperationType::kJoinSandbox, "join the sandbox's namespaces (" +
                                              namespace_list(profile.namespaces) +
                                              ") with one setns() on its holder's pidfd"});
    }
    if (draft.chroot) profile.operations.push_back(std::move(*draft.chroot));
    add_lock_down(draft, profile);
    return profile;
}

}  // namespace bro::server::profile
