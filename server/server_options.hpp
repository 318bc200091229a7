#pragma once
// bro-server's command line as a table: every option with its value name and help text, the
// --help page, and the BRO_SERVER_<NAME> environment variable that stands for each option.
// Reading the values into a ServerConfig and checking them is server_config.cpp's job.

#include <boost/program_options.hpp>
#include <initializer_list>
#include <ostream>
#include <string>

#include "server/server_config.hpp"

namespace bro::server {

// The options of the process itself: --help, --config, --check, --log-level, ...
boost::program_options::options_description describe_process_options(ProcessSettings& process);
// The options of one tool, which are also the keys of a [tool.NAME] table in the config file.
// Options stored straight into the config (--executable, --tmpdir, ...) point at `config`'s
// members; the others are read by server_config.cpp.
boost::program_options::options_description describe_tool_options(ServerConfig& config);

// The --help page: usage, what the server does, the groups of options, their environment
// names.
void print_help(std::ostream& out,
                std::initializer_list<const boost::program_options::options_description*> groups);

// BRO_SERVER_SOCKET_PATH -> "socket-path"; empty for variables that name no option.
std::string option_for_variable(const std::string& variable,
                                const boost::program_options::options_description& options);
// "socket-path" -> BRO_SERVER_SOCKET_PATH.
std::string variable_for_option(const std::string& option);

}  // namespace bro::server
