#pragma once
// What bro-server --check prints for a tool: every setting in effect, defaults included, as a
// [tool.NAME] table of the config file, so an administrator sees exactly what the flags or the
// file amount to, in the vocabulary they are written in.

#include <string>

#include "server/server_config.hpp"

namespace bro::server {

std::string describe_effective_settings(const ToolConfig& tool);

}  // namespace bro::server
