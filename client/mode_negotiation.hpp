#pragma once
// Which transfer mode a run uses. BRO_TRANSFER_MODE=auto (the default) tries fd-passing and,
// when the server answers that it takes only content mode, starts over in content mode on a
// new connection: the fd attempt consumed nothing (no stdin read, no file content sent), so
// the retry sees exactly what the first attempt saw. "content" and "fd" insist on one mode and
// turn a mismatch into one line saying what to change.

#include "client/invocation.hpp"

namespace bro::client {

// Runs the invocation in the mode config.transfer_mode asks for (which must be set) and
// returns the client's exit code.
int run_invocation(const Invocation& invocation);

}  // namespace bro::client
