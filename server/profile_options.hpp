#pragma once
// The execution profile's part of bro-server's option table (server_options.cpp holds the
// rest): a --help group per kind of profile flag (server/profile/profile_flags.hpp) and the
// command after "--" that --run runs. Profile flags are given on the command line or as the
// profile list of a [tool.NAME] table: their order is part of their meaning, which
// environment variables cannot carry.

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "server/profile/profile_parser.hpp"

namespace bro::server {

// The profile flags, a --help group per kind. They are tool options, but not keys of the
// config file (its profile key lists them in order) nor BRO_SERVER_* variables.
boost::program_options::options_description describe_profile_options();

// The command after "--" (--run) as a hidden option, the only positional argument.
void add_run_command(boost::program_options::options_description& hidden,
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
