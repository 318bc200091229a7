#pragma once
// Fd-passing mode from start to end: connect, one sendmsg() carrying the Request frame and the
// descriptors, then one wait for the server's answer. No data is relayed: the program
// reads and writes the caller's own descriptors.
//
// Descriptors, in the order the server assigns them: stdin (fd 0, or /dev/null when stdin is
// not captured), stdout, stderr, one per file argument in request order, one per forwarded fd
// in BRO_FORWARD_FDS order.

#include <cstdint>

#include "client/exit_code.hpp"
#include "client/invocation.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

struct FdPassingResult {
    ExitOutcome outcome = kClientFailure;
    // Non-zero when the server answered ModeRejected: the kAccepts* bits of the modes it takes.
    // Nothing was consumed then, so the caller may retry on a new connection.
    std::uint8_t accepted_modes = 0;
    // BRO_TRANSFER_MODE=auto, no forwarded fds, and the request needs more descriptors than
    // one message carries: nothing was sent; content mode (no such bound) may carry it.
    bool needs_content_mode = false;
    // The server followed its ModeRejected with RetryHere: `connection` is still open and
    // takes a content-mode Request, so no second connection is needed.
    bool retry_here = false;
    bro::UniqueFd connection = {};

    bool rejected() const { return accepted_modes != 0; }
};

// Everything it opens (socket, file arguments, /dev/null) is closed on return.
FdPassingResult run_fd_passing(const Invocation& invocation);

}  // namespace bro::client
