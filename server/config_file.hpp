#pragma once
// The TOML config file (--config, /etc/bro/bro.toml; bro.toml(5)): one [tool.NAME] table per
// tool, whose keys are the long names of bro-server's tool options, so one vocabulary serves
// the flags, the file and the man page:
//
//   [server]                      # the process: log-level
//   [defaults]                    # keys every tool starts with
//   [tool.sendmail]
//   executable = "/usr/sbin/sendmail"
//   socket-path = "/run/bro/sendmail.sock"    # or systemd-socket = true
//   fd-passing = true
//   allowed-env = ["LANG"]
//   profile = ["--unshare-all", "--ro-bind", "/usr", "/usr"]  # the sandbox, flags in order
//   [tool.sendmail.wrapper]       # what --print-wrapper writes for the client side
//   file-flags = ["-C"]
//
// A key becomes its flag (true: the flag alone; a list: comma-joined, or the flag repeated for
// a repeatable option; profile: its items as they are, since the order of the execution
// profile's flags is part of their meaning), and each table is then read exactly as a
// command line is, by read_tool_settings(). Every error names the file, the line and the key.

#include <vector>

#include "server/server_config.hpp"

namespace bro::server {

// Reads process.config_file: its tools (only process.only_tool when set), and its [server]
// log-level unless `log_level_given` on the command line. Throws ConfigError.
std::vector<ToolConfig> read_config_file(ProcessSettings& process, bool log_level_given);

}  // namespace bro::server
