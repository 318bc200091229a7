#pragma once
// What the server sends: a Started frame once the program runs, Stdout and Stderr frames,
// written to fds 1 and 2 as their bytes arrive (a data frame is never buffered whole), then
// exactly one Exit or Error frame that ends the run, or a ModeRejected frame when the server
// does not take content mode. Partial
// frames across reads are kept; only a partial header or a partial control frame (a few KiB at
// most) ever waits in the buffer. Content mode only: the fd-passing exchange relays nothing.
//
// Payloads move by splice(2), never through user space, where the output takes it (found out
// at its first frame): into a pipe straight from the socket, into /dev/null or a regular file
// (not O_APPEND, which splice refuses) through a private pipe. The caller then receives only
// up to the next header (receive_space()) and calls splice_from() while wants_splice() says a
// payload is due. Other outputs (a terminal, an O_APPEND file) get the bytes copied.
//
// A run that prints nothing allocates nothing: headers and control frames fit the small
// buffer inside the object; the large one is allocated at the first payload to copy.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "client/byte_buffer.hpp"
#include "client/diagnostics.hpp"
#include "client/exit_code.hpp"
#include "core/limits.hpp"
#include "core/wire.hpp"

namespace bro::client {

struct OutputFds {
    int stdout_fd = 1;
    int stderr_fd = 2;
    // Move payloads by splice where the output takes it; off: every byte is copied.
    bool splice = false;
};

class IncomingStream {
  public:
    // Headers and control frames (an Exit frame holds at most max_message_bytes + 64).
    static constexpr std::size_t kSmallBytes = 8 << 10;
    // Payloads that are copied, once there is one.
    static constexpr std::size_t kLargeBytes = protocol::kFrameHeaderBytes + (256 << 10);

    // `socket_path` names the server in the message about a rejected mode, which also says when
    // it was a terminal session.
    IncomingStream(OutputFds output, std::string_view socket_path, const Diagnostics& diagnostics,
                   bool terminal_session = false);
    ~IncomingStream();
    IncomingStream(const IncomingStream&) = delete;
    IncomingStream& operator=(const IncomingStream&) = delete;

    // Where to receive the next bytes (never empty). Once an output splices, only up to the
    // end of the next header, so no payload is copied that could be spliced.
    std::span<std::uint8_t> receive_space();
    // Handles `count` bytes just received into receive_space(). Returns how the client ends
    // once the run is over: as the program's status says, or kClientFailure after an Error or
    // ModeRejected frame, a malformed frame or a failed write to stdout/stderr (each reported
    // on stderr).
    std::optional<ExitOutcome> received(std::size_t count);

    // A data frame's payload is due and its output splices: call splice_from().
    bool wants_splice() const;
    // Splices what the nonblocking `socket` holds of the payload into its output, waiting
    // for the output as a write would. nullopt while the run goes on (poll the socket again);
    // how the client ends when the server closed or the output failed (reported).
    std::optional<ExitOutcome> splice_from(int socket);

    // The server closed the connection: reports it and returns kClientFailure (an Exit frame
    // would have ended the run first).
    ExitOutcome end_of_stream();

    // The caller blocked SIGPIPE (content_exchange.cpp): an output whose reader is gone then
    // fails with EPIPE, and the client ends by SIGPIPE as it would have without the block.
    void sigpipe_deferred() { sigpipe_deferred_ = true; }

    std::uint64_t bytes_received() const { return bytes_received_; }
    // Whether the program runs: a Started frame (or output) arrived.
    bool program_started() const { return program_started_; }
    // From the Exit frame: stdin bytes the program consumed, when the request asked for it.
    std::uint64_t stdin_consumed() const { return stdin_consumed_; }

  private:
    enum class Route : std::uint8_t { kUnknown, kCopy, kSplice, kSpliceThroughPipe };

    std::span<std::uint8_t> buffer();
    Route route_for(int stream);
    std::optional<ExitOutcome> handle_data();
    std::optional<ExitOutcome> handle_control_frame(const protocol::FrameHeader& header);
    // Moves `count` bytes from the private pipe into the output (a file or /dev/null).
    std::optional<ExitOutcome> drain_private_pipe(std::size_t count);
    // How the client ends when writing its output failed with `error` (reported).
    ExitOutcome output_failed(int error) const;

    OutputFds output_;
    std::string_view socket_path_;
    const Diagnostics& diagnostics_;
    bool terminal_session_;
    bool sigpipe_deferred_ = false;
    bool spliced_ = false;  // an output splices: receive headers alone
    std::array<std::uint8_t, kSmallBytes> small_;
    ByteBuffer large_;       // in use once allocated
    std::size_t begin_ = 0;  // unprocessed bytes are [begin_, end_)
    std::size_t end_ = 0;
    std::size_t data_remaining_ = 0;  // bytes of the current Stdout/Stderr payload still due
    int data_stream_ = 0;             // where they go: 0 stdout, 1 stderr
    std::array<Route, 2> routes_{Route::kUnknown, Route::kUnknown};
    int private_pipe_[2] = {-1, -1};  // kSpliceThroughPipe's, made at its first payload
    std::uint64_t bytes_received_ = 0;
    std::uint64_t stdin_consumed_ = protocol::kStdinConsumedUnknown;
    bool program_started_ = false;
};

}  // namespace bro::client
