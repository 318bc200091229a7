#pragma once
// Content mode from start to end: connect, send the request with the file contents and stdin,
// relay stdout/stderr back, return the exit code.
//
// Sending and receiving run concurrently in a single poll() loop, never blocking on the
// socket: the program may write a lot of output before it reads its stdin, and a client that
// blocked in send() while the server blocked sending output would deadlock both.

#include "client/invocation.hpp"

namespace bro::client {

// The client's exit code (exit_code.hpp). Everything it opens is closed on return; a seekable
// stdin is left where the program stopped reading.
int run_content_mode(const Invocation& invocation);

}  // namespace bro::client
