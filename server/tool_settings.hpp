#pragma once
// Reading one tool's settings out of parsed options (server_config.cpp), shared by the two
// places that parse them: a [tool.NAME] table through read_tool_settings(), and the tool the
// command line itself describes (command_line.cpp). Throws ConfigError.

#include <boost/program_options/variables_map.hpp>
#include <vector>

#include "server/profile/profile_parser.hpp"
#include "server/server_config.hpp"

namespace bro::server {

// A tool before any option: --tmpdir from $TMPDIR.
ServerConfig tool_defaults();

// The tool options in `vm` and the profile flags (in their order) into `config`, then the
// checks of the whole. `process` says what the values are for (--run's command replaces the
// executable; only a served tool needs a socket).
void read_tool_values(const boost::program_options::variables_map& vm,
                      const std::vector<profile::ProfileFlag>& profile_flags,
                      const ProcessSettings& process, ServerConfig& config);

}  // namespace bro::server
