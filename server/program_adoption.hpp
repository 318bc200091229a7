#pragma once
// With a pid namespace the server cannot enter for the clone (an unprivileged server with
// --unshare-user), the spawner's child starts the program by a second clone (CLONE_PARENT: the
// program is the server's child too) and exits. The server then takes the program as the
// ChildProcess of the call.

#include <sys/types.h>

#include <variant>

#include "server/child_process.hpp"

namespace bro::server {

// The program `pid` (0: it was never created) as a ChildProcess, or errno when there is none to
// run: `failed` says it exited before exec (it is reaped then), and a pidfd_open() failure
// kills and reaps it. Call after the child that cloned it was reaped.
std::variant<ChildProcess, int> adopt_program(pid_t pid, bool failed);

}  // namespace bro::server
