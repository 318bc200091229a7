#pragma once
// What the server sends: a Started frame once the program runs, Stdout and Stderr frames,
// copied to fds 1 and 2 as their bytes arrive (a data frame is never buffered whole), then
// exactly one Exit or Error frame that ends the run, or a ModeRejected frame when the server
// does not take content mode. Partial
// frames across reads are kept; only a partial header or a partial control frame (a few KiB at
// most) ever waits in the buffer. Content mode only: the fd-passing exchange relays nothing.

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
};

class IncomingStream {
  public:
    static constexpr std::size_t kBufferBytes = protocol::kFrameHeaderBytes + (256 << 10);

    // Check valid(): the buffer allocation can fail. `socket_path` names the server in the
    // message about a rejected mode, which also says when it was a terminal session.
    IncomingStream(OutputFds output, std::string_view socket_path, const Diagnostics& diagnostics,
                   bool terminal_session = false);

    bool valid() const { return buffer_.valid(); }

    // Where to receive the next bytes (never empty).
    std::span<std::uint8_t> receive_space();
    // Handles `count` bytes just received into receive_space(). Returns how the client ends
    // once the run is over: as the program's status says, or kClientFailure after an Error or
    // ModeRejected frame, a malformed frame or a failed write to stdout/stderr (each reported
    // on stderr).
    std::optional<ExitOutcome> received(std::size_t count);
    // The server closed the connection: reports it and returns kClientFailure (an Exit frame
    // would have ended the run first).
    ExitOutcome end_of_stream();

    std::uint64_t bytes_received() const { return bytes_received_; }
    // Whether the program runs: a Started frame (or output) arrived.
    bool program_started() const { return program_started_; }
    // From the Exit frame: stdin bytes the program consumed, when the request asked for it.
    std::uint64_t stdin_consumed() const { return stdin_consumed_; }

  private:
    std::optional<ExitOutcome> handle_data();
    std::optional<ExitOutcome> handle_control_frame(const protocol::FrameHeader& header);

    OutputFds output_;
    std::string_view socket_path_;
    const Diagnostics& diagnostics_;
    bool terminal_session_;
    ByteBuffer buffer_;
    std::size_t begin_ = 0;  // unprocessed bytes are [begin_, end_)
    std::size_t end_ = 0;
    std::size_t data_remaining_ = 0;  // bytes of the current Stdout/Stderr payload still due
    int data_fd_ = -1;                // where they go
    std::uint64_t bytes_received_ = 0;
    std::uint64_t stdin_consumed_ = protocol::kStdinConsumedUnknown;
    bool program_started_ = false;
};

}  // namespace bro::client
