#pragma once
// The execution profile's part of bro-server's option table (server_options.cpp holds the
// rest): a --help group per kind of profile flag (server/profile/profile_flags.hpp), --check,
// --run and the command after "--". Profile flags are command-line only: their order is part
// of their meaning, which environment variables cannot carry.

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "server/profile/profile_parser.hpp"

namespace bro::server {

// Adds the groups to `visible` and the command after "--" (--run) to `hidden`; `positional`
// gets that command as the only positional argument.
void add_profile_options(boost::program_options::options_description& visible,
                         boost::program_options::options_description& hidden,
                         boost::program_options::positional_options_description& positional);

// The name of the option that holds --run's command.
inline constexpr const char* kRunCommandOption = "run-command";

// True for options no BRO_SERVER_* variable stands for.
bool command_line_only(const std::string& option);

// Removes the profile flags from a parsed command line and returns them in the order given;
// what is left goes to boost's variables_map, where a repeated flag would be an error.
std::vector<profile::ProfileFlag> take_profile_flags(
    boost::program_options::parsed_options& parsed);

}  // namespace bro::server
