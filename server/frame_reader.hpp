#pragma once
// Reads client frames from a connection through the ring. Bytes are buffered so small frames
// cost one receive for many; a data frame's payload can be taken in pieces, from the buffer
// first, and the rest may be left in the socket for the caller to splice.
//
// The buffer is allocated at the first receive, starts small and grows only as far as the
// frames actually sent need (never zero-filled). Data payloads bound for a pipe or a file are
// left in the socket and spliced (next_header's leave_payload_in_socket), so streaming stdin
// or file content never makes it grow.

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/limits.hpp"
#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/io_result.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/session_errors.hpp"

namespace bro::server {

class FrameReader {
  public:
    FrameReader(ring::Ring& ring, int fd, const ProtocolLimits& limits)
        : ring_(ring), fd_(fd), limits_(limits) {}

    // Every read takes the StopToken of the phase it serves: once stop is requested, the
    // pending receive is cancelled and the read returns empty, as at end of stream.

    // The next frame's header. Empty on end of stream, a receive error or stop; throws
    // ProtocolViolation on a malformed header. With `leave_payload_in_socket`, receives no
    // byte beyond the header, so the caller can splice the payload straight from the socket.
    ring::Task<std::optional<protocol::FrameHeader>> next_header(
        ring::StopToken stop, bool leave_payload_in_socket = false);
    // The whole payload of the current frame, in the buffer (valid until the next call).
    ring::Task<std::optional<std::span<const std::uint8_t>>> whole_payload(std::uint32_t length,
                                                                           ring::StopToken stop);
    // Up to `max` bytes of the current frame's payload: the buffered ones first, else one
    // receive. Empty on end of stream, error or stop.
    ring::Task<std::optional<std::span<const std::uint8_t>>> payload_piece(std::size_t max,
                                                                           ring::StopToken stop);
    // Bytes already buffered, which a caller splicing the payload must take first.
    std::size_t buffered() const { return end_ - begin_; }
    std::span<const std::uint8_t> take_buffered(std::size_t max);
    // The connection, for a caller that splices a payload straight from it.
    int socket() const { return fd_; }

    // Until stop_accepting_fds(), receives use recvmsg and keep SCM_RIGHTS descriptors (at
    // most max_request_fds(limits), received close-on-exec). Afterwards plain receives let
    // the kernel discard any descriptor a client sends.
    void stop_accepting_fds() { accepting_fds_ = false; }
    std::vector<UniqueFd> take_received_fds() { return std::move(received_fds_); }

  private:
    // Ensures at least `count` bytes are buffered, receiving more only when `greedy`; false on
    // end of stream or error.
    ring::Task<bool> fill(std::size_t count, ring::StopToken stop, bool greedy = true);
    ring::Task<ring::IoResult> receive_with_fds(std::span<std::uint8_t> space,
                                                ring::StopToken stop);
    ring::Task<ring::IoResult> receive_message(msghdr& message, ring::StopToken stop);
    // Room for at least `size` bytes, keeping the buffered ones (uninitialised otherwise).
    void reserve(std::size_t size);

    ring::Ring& ring_;
    int fd_;
    const ProtocolLimits& limits_;
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool accepting_fds_ = true;
    // Bytes are likely waiting: the next receive is tried at once. True at the start, since a
    // connection gets its Session when its first bytes arrive (server.cpp).
    bool more_waiting_ = true;
    std::vector<UniqueFd> received_fds_;
};

}  // namespace bro::server
