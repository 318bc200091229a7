#pragma once
// Content mode from start to end: connect, send the request with the file contents and stdin,
// relay stdout/stderr back, return the exit code.
//
// Sending and receiving run concurrently in a single poll() loop, never blocking on the
// socket: the program may write a lot of output before it reads its stdin, and a client that
// blocked in send() while the server blocked sending output would deadlock both.

#include "client/exit_code.hpp"
#include "client/invocation.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

// How the client ends (exit_code.hpp). Everything it opens is closed on return (the caller's
// terminal is restored); a seekable stdin is left where the program stopped reading.
// `connection`: a connection the server keeps open for this request (it answered an
// fd-passing attempt with RetryHere); otherwise the client connects.
ExitOutcome run_content_mode(const Invocation& invocation, UniqueFd connection = {});

}  // namespace bro::client
