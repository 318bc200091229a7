#pragma once
// bro-server's two ways of trying the execution profile without serving:
//   --check  broot's `check`: the configuration is already valid (parse_command_line); this
//            tries the profile once in a throwaway child that does every step of a call but
//            the exec (privileges, every path, the executable inside the sandbox) and prints
//            the effective profile in order.
//   --run    dived's "just execute": one command run under the profile here, with this
//            process's stdin, stdout and stderr, as a call with these arguments would run.

#include <ostream>
#include <string>
#include <vector>

#include "server/server_config.hpp"

namespace bro::server {

// Prints the profile stage by stage to `out` and tries it; returns the exit code: 0 when it
// works, 1 when not (the reason is printed).
int check_profile(const ServerConfig& config, std::ostream& out);

// Returns the command's exit status as a shell reports it (128+N after signal N), or 126 when it
// could not be started (the reason is printed).
// The command is config's executable, argv[0] and fixed arguments (parse_command_line put it
// there).
int run_with_profile(const ServerConfig& config);

// `name` when it has a slash, else its first match in $PATH (name itself when none matches, so
// the error names what was given).
std::string command_path(const std::string& name);

}  // namespace bro::server
