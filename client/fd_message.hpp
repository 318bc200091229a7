#pragma once
// The one message of fd-passing mode: the Request frame with the descriptors attached as
// SCM_RIGHTS. The kernel hands them over with the first byte, so the server receives frame
// and descriptors together and never has to match them up.

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/limits.hpp"

namespace bro::client {

// Sends all of `frame` on the blocking stream `socket`, `fds` attached to its first byte in
// order. A frame larger than the socket buffer goes partly with sendmsg() and the rest with
// plain send()s. Returns 0, or the errno of the call that failed (EPIPE or ECONNRESET when the
// server stopped reading). No SIGPIPE.
int send_with_fds(int socket, std::span<const std::uint8_t> frame, std::span<const int> fds);

}  // namespace bro::client
