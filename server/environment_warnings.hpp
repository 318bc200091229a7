#pragma once
// Start-up warnings about the environment policy: a dangerous name in --allowed-env that will
// be dropped, and every dangerous name --allow-dangerous-env lets through. One line each, so
// an administrator reading the log sees exactly what a caller can set.

#include <string>
#include <vector>

#include "server/server_config.hpp"

namespace bro::server {

std::vector<std::string> environment_warnings(const ServerConfig& config);

}  // namespace bro::server
