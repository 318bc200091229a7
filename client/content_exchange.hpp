#pragma once
// Content mode from start to end: connect, send the request with the file contents and stdin,
// relay stdout/stderr back, return the exit code.
//
// Sending and receiving run concurrently in a single poll() loop, never blocking on the
// socket: the program may write a lot of output before it reads its stdin, and a client that
// blocked in send() while the server blocked sending output would deadlock both.

#include "client/exit_code.hpp"
#include "client/invocation.hpp"

namespace bro::client {

// How the client ends (exit_code.hpp). Everything it opens is closed on return (the caller's
// terminal is restored); a seekable stdin is left where the program stopped reading.
ExitOutcome run_content_mode(const Invocation& invocation);

}  // namespace bro::client
