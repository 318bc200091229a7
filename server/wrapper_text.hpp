#pragma once
// The wrapper file of a tool (bro-server --print-wrapper, --install-wrappers): the file a
// sandbox installs under the tool's name, which the kernel runs with bro-client as its
// interpreter (README, "Wrapper files"). Built from the tool's table, so the client's settings
// and the server's can never drift apart: its socket, and the variables it may forward.

#include <string>
#include <vector>

#include "server/server_config.hpp"

namespace bro::server {

std::string wrapper_file_text(const ToolConfig& tool);

// Writes each tool's wrapper file as DIR/NAME, mode 0755, replacing an older one atomically.
// Returns the paths written; throws std::system_error naming the file.
std::vector<std::string> install_wrapper_files(const std::vector<ToolConfig>& tools,
                                               const std::string& directory);

}  // namespace bro::server
