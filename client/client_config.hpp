#pragma once
// Everything the client is told, read once from the environment into a value object. The
// client has no flags of its own: every argument belongs to the remote command.
//
//   BRO_SOCKET_PATH        (required) the server's socket; "@name" is an abstract socket
//   BRO_FORWARD_ENV        comma list of variables to forward when set (even if empty)
//   BRO_FILE_FLAGS         comma list of flags whose value is a file path, e.g. "-C,--file"
//   BRO_FILE_ARGS          non-empty: every positional argument may be a file path too
//   BRO_CAPTURE_TTY_STDIN  non-empty: stream stdin even when it is a terminal
//   BRO_LOG                "debug": print debug lines to stderr

#include <string_view>
#include <vector>

#include "client/environment.hpp"
#include "core/file_arguments.hpp"

namespace bro::client {

struct ClientConfig {
    std::string_view socket_path;  // empty when BRO_SOCKET_PATH is unset or empty
    std::vector<std::string_view> forward_environment;
    FileArgumentRules file_arguments;
    bool capture_tty_stdin = false;
    bool debug_log = false;
};

// Views in the result point into `environment`'s strings, which live as long as the process.
ClientConfig read_client_config(const Environment& environment);

}  // namespace bro::client
