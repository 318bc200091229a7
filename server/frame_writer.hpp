#pragma once
// Sends whole frames to the client. Several producers (the child's stdout and stderr pumps,
// the exit report) share one socket, so each frame is sent under a mutex: frames never
// interleave even when a send is partial.

#include <cstdint>
#include <span>

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

  private:
    ring::Ring& ring_;
    int fd_;
    ring::AsyncMutex mutex_;
    bool broken_ = false;
};

}  // namespace bro::server
