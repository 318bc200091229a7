#pragma once
// Start-up warnings about the rights the server lends its programs. A root server without
// --user or --as-peer runs every program as root: the program opens whatever path a caller
// names with root's rights (a file argument the caller cannot read is passed on as text, and
// `cat` then prints /etc/shadow to nobody). That is a confused deputy unless the administrator
// means it, so the server says so once, at start.

#include <sys/types.h>

#include <string>
#include <vector>

#include "server/server_config.hpp"

namespace bro::server {

// `effective_uid`: the server's (geteuid()), a parameter so the rule can be tested.
std::vector<std::string> privilege_warnings(const ServerConfig& config, uid_t effective_uid);

}  // namespace bro::server
