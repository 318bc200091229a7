#pragma once
// Content mode from start to end: connect, send the request with the file contents and stdin,
// relay stdout/stderr back, return the exit code.

#include "client/invocation.hpp"

namespace bro::client {

// The client's exit code (exit_code.hpp). Everything it opens is closed on return.
int run_content_mode(const Invocation& invocation);

}  // namespace bro::client
