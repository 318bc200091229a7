#pragma once
// From the profile flags, in command-line order, to the ordered ExecutionProfile. Pure: no
// file is opened (profile_config.cpp loads --seccomp and checks --setns files), so every rule
// has a unit test (tests/server/profile_parser_test.cpp).

#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "server/profile/execution_profile.hpp"

namespace bro::server::profile {

// One profile flag as it appeared: "ro-bind" with {"/usr", "/usr"}.
struct ProfileFlag {
    std::string name;
    std::vector<std::string> values;
};

// What the parser needs from the rest of the configuration.
struct ProfileContext {
    uid_t server_uid = 0;  // mapped to --uid inside --unshare-user
    gid_t server_gid = 0;
    bool child_identity_switches = false;  // --user/--group/--groups/--as-peer
    bool cwd_given = false;                // --cwd (excludes --chdir)
    // --tmpdir when content mode is accepted: bound into a new root at its own path, so the
    // session directories (the private copies of file arguments) mean the same inside.
    std::string session_directories;
};

// A flag, a value or a combination the profile cannot have; the text names the flag and says
// what to do instead.
struct ProfileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

ExecutionProfile parse_profile(const std::vector<ProfileFlag>& flags,
                               const ProfileContext& context);

}  // namespace bro::server::profile
