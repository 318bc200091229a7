#pragma once
// SIGTERM, SIGINT and SIGHUP stop bro-server: they are blocked and read through a signalfd on
// the ring, so a stop request never interrupts a system call and is handled like any other
// event. One per process, whatever the number of tools it serves.

#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace bro::server {

// Blocks the stop signals. Call before the first socket listens: a stop request that arrives
// between the two must still stop cleanly.
void block_stop_signals();

class StopSignals {
  public:
    // Blocks the stop signals (if main() did not) and ignores SIGPIPE (a vanished client must
    // give EPIPE). Throws std::system_error naming the call.
    StopSignals();
    // The number of the next stop signal.
    ring::Task<int> next(ring::Ring& ring);

  private:
    UniqueFd fd_;
};

}  // namespace bro::server
