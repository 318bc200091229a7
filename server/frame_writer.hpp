#pragma once
// Sends whole frames to the client. Several producers (the child's stdout and stderr relays,
// the exit report) share one socket, so each frame is sent under a mutex: frames never
// interleave even when a send is partial.
//
// The socket is nonblocking (accepted SOCK_NONBLOCK): each send is tried at once, on the
// ring's thread, and only a full socket makes the sender wait (POLLOUT through the ring). A
// small frame, the usual case, so costs one send(2) and no round trip through the ring.

#include <cstdint>
#include <span>

#include "core/wire.hpp"
#include "ring/async_mutex.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"

namespace bro::server {

class FrameWriter {
  public:
    FrameWriter(ring::Ring& ring, int fd) : ring_(ring), fd_(fd), mutex_(ring) {}

    // Sends `frame` (header included) completely. False once the client is gone (EPIPE,
    // ECONNRESET) or `stop` was requested (a deadline: the client stopped reading); every
    // later call then fails at once, since a frame may have been cut.
    ring::Task<bool> send(std::span<const std::uint8_t> frame, ring::StopToken stop = {});

    // Sends a data frame whose `length` payload bytes wait in the pipe `source` (the caller
    // counted them: FIONREAD; nobody else reads that pipe): the header, then the payload
    // spliced from the pipe into the socket, never copied through user space. `stop` as for
    // send().
    ring::Task<bool> send_from_pipe(protocol::FrameType type, int source, std::uint32_t length,
                                    ring::StopToken stop = {});

  private:
    // send(2) until all of `bytes` went out, waiting for room when the socket is full.
    ring::Task<bool> send_unlocked(std::span<const std::uint8_t> bytes, ring::StopToken stop);

    ring::Ring& ring_;
    int fd_;
    ring::AsyncMutex mutex_;
    bool broken_ = false;
};

}  // namespace bro::server
