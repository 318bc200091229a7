#pragma once
// core's wording of how a run ended (describe_status), as one string for logs and for
// bro-server's own messages (--check, --run).

#include <string>
#include <string_view>

#include "core/exit_status.hpp"

namespace bro::server {

// "exited with 3", "could not execute the program: No such file or directory (execve /x)".
std::string status_text(const ExitStatus& status, std::string_view detail = {});

}  // namespace bro::server
