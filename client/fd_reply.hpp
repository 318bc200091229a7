#pragma once
// The server's answer in fd-passing mode: a Started frame once the program runs (the request
// asks for it), then one Exit, Error or ModeRejected frame. While the client waits, the
// caller's signals reach the server as Signal frames, except SIGINT and SIGTERM before
// Started: they end the call (the client closes the connection, so the server, finding it
// closed, never runs the program) and the client dies by the same signal.

#include <cstdint>
#include <string_view>

#include "client/diagnostics.hpp"
#include "client/exit_code.hpp"

namespace bro::client {

struct FdReply {
    ExitOutcome outcome = kClientFailure;
    // Non-zero after ModeRejected: the kAccepts* bits of the modes the server takes.
    std::uint8_t accepted_modes = 0;
    // After ModeRejected: RetryHere followed, so the connection takes a content-mode Request.
    bool retry_here = false;
};

// `signal_fd`: the ForwardedSignals descriptor, or -1. `socket_path` names the server.
FdReply await_fd_reply(int socket, int signal_fd, std::string_view socket_path,
                       const Diagnostics& diagnostics);

}  // namespace bro::client
