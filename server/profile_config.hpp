#pragma once
// The execution profile's part of reading the configuration: the profile flags parsed into
// config.profile (server/profile/profile_parser.hpp), then what needs the filesystem: the
// --seccomp program loaded, each --setns file checked to be a namespace the profile does not
// also create. Throws ConfigError (config_error.hpp).

#include <string>
#include <vector>

#include "server/profile/profile_parser.hpp"
#include "server/server_config.hpp"

namespace bro::server {

// Call after the rest of `config` is read: the profile depends on the identity flags, --cwd,
// --tmpdir and the transfer modes.
// `session_directories`: calls will have content mode's session directories (not --run).
void read_profile(const std::vector<profile::ProfileFlag>& flags, bool cwd_given,
                  bool session_directories, ServerConfig& config);

// Start-up warnings about a profile that works but may not do what its operator thinks: a
// shared --tmpdir (like /tmp) visible read-write inside a new root, fd mode's /dev/fd/N file
// arguments in a root without /dev.
std::vector<std::string> profile_warnings(const ServerConfig& config);

}  // namespace bro::server
