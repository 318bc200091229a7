#pragma once
// Reading a tool's bounds from its options: how long each phase of a call may take (the
// --*-timeout flags, --kill-grace), how much one request may carry (--max-*), how many sessions
// may run at once, and what may outlive a call (--keep-background, --session-cgroups). Part
// of server_config's readers, with its error convention: each throws a ConfigError naming the
// flag, its value and what to give instead.

#include <boost/program_options/variables_map.hpp>

#include "server/server_config.hpp"

namespace bro::server {

void read_durations(const boost::program_options::variables_map& vm, ServerConfig& c);
void read_limits(const boost::program_options::variables_map& vm, ServerConfig& c);
void read_session_limits(const boost::program_options::variables_map& vm, ServerConfig& c);
void read_lifetime(const boost::program_options::variables_map& vm, ServerConfig& c);

}  // namespace bro::server
