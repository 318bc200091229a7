#pragma once
// Signals the caller sends to bro-client (Ctrl-C, kill, a terminal hang-up, job control,
// resize) go to the program on the other side: while the exchange runs they are blocked and
// read from a signalfd, which the exchange polls beside its socket and turns into Signal
// frames. Blocking (rather than handlers) keeps the client free of asynchronous code, and a
// signal that arrives before the request was sent is delivered as soon as it was.

#include <optional>

#include "client/diagnostics.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

class ForwardedSignals {
  public:
    // Blocks the forwardable signals (protocol::is_forwardable_signal) and opens the signalfd.
    // On failure (reported at debug level) valid() is false and signals act as usual: one that
    // kills the client makes the server SIGTERM the program, which is the next best thing.
    explicit ForwardedSignals(const Diagnostics& diagnostics);
    ~ForwardedSignals();
    ForwardedSignals(const ForwardedSignals&) = delete;
    ForwardedSignals& operator=(const ForwardedSignals&) = delete;

    bool valid() const { return fd_.valid(); }
    int fd() const { return fd_.get(); }

  private:
    UniqueFd fd_;
};

// SIGINT and SIGTERM, which end a call whose program has not started yet (the client closes
// the connection and the server never runs it) instead of being forwarded.
bool ends_call_before_start(int signal);

// The next signal pending on a ForwardedSignals fd (nonblocking), or nullopt.
std::optional<int> read_forwarded_signal(int signal_fd);

// Sends one Signal frame on the non-blocking socket; failures only matter at debug level, since
// the reply, or its absence, reports what happened. A socket whose buffer is full (the server
// has not read a few hundred KiB of Signal frames) drops it, as a second signal of a kind
// pending in a process would be.
void send_signal_frame(int socket, int signal, const Diagnostics& diagnostics);

// Ends the client the way the program ended: death by `signal`, without a core dump (the
// program's core, if any, is on the server's side). Returns only if the signal did not kill
// (say, the caller ignores it and it cannot be reset); the caller then exits 128 + signal.
void die_by_signal(int signal);

}  // namespace bro::client
