#pragma once
// What the parser collects from the flags before it orders them into an ExecutionProfile:
// profile_parser.cpp reads flags into a ProfileDraft, profile_assembly.cpp checks the
// combinations and lays the operations out stage by stage.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "server/profile/operation.hpp"
#include "server/profile/profile_parser.hpp"

namespace bro::server::profile {

// A path inside the sandbox from --build-root's --src/--out: DIR[:INSIDE].
struct BuildRootBind {
    std::string spelling;  // "--src /home/me/proj:/src"
    std::string host;
    std::string inside;
};

struct ProfileDraft {
    std::vector<Operation> prepare;  // --rlimit, --nice, --oom-score-adj, --setns, in order
    int unshare = 0;                 // CLONE_NEW* from --unshare-*/--share-net, in order
    bool unshare_all_user = false;   // --unshare-all asked for a user namespace
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::optional<std::string> hostname;
    std::optional<Operation> root;      // --pivot-root DIR
    std::vector<Operation> filesystem;  // in order
    std::optional<std::string> build_root;
    std::optional<BuildRootBind> source;  // --src
    std::optional<BuildRootBind> output;  // --out
    std::optional<std::string> tmpfs_at;
    std::optional<std::string> chdir;
    std::optional<Operation> chroot;
    std::vector<Operation> capabilities;  // --cap-add/--cap-drop, in order
    bool lock_securebits = false;
    bool no_new_privs = false;
    std::optional<std::string> seccomp_file;
    bool fresh = false;
};

// "/a/b" for "/a//b/./", nullopt for a relative path or one with "..": a destination may never
// point outside the new root.
std::optional<std::string> normalize_inside_path(const std::string& path);

// The operation for a filesystem flag whose destination is `destination` (already checked).
Operation filesystem_operation(OperationType type, std::string spelling, std::string destination);

// Orders the draft into the profile, after checking the combinations. Throws ProfileError.
ExecutionProfile assemble_profile(ProfileDraft draft, const ProfileContext& context);

}  // namespace bro::server::profile
