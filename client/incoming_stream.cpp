#include "client/incoming_stream.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <variant>

#include "client/control_frames.hpp"
#include "client/exit_code.hpp"

namespace bro::client {
namespace {

// Writes all of `bytes` to `fd`. EINTR is retried; EAGAIN (an inherited O_NONBLOCK fd) waits
// for POLLOUT. Returns 0, or the errno of the failing write.
int write_fully(int fd, std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n > 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0 || errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return errno;
        pollfd writable{fd, POLLOUT, 0};
        if (::poll(&writable, 1, -1) < 0 && errno != EINTR) return errno;
    }
    return 0;
}

}  // namespace

using protocol::FrameType;
using protocol::kFrameHeaderBytes;

IncomingStream::IncomingStream(OutputFds output, std::string_view socket_path,
                               const Diagnostics& diagnostics, bool terminal_session)
    : output_(output),
      socket_path_(socket_path),
      diagnostics_(diagnostics),
      terminal_session_(terminal_session),
      buffer_(kBufferBytes) {}

std::span<std::uint8_t> IncomingStream::receive_space() {
    // Data payloads are consumed as they arrive, so what is left is a partial header or a
    // partial Exit/Error frame: moving it to the front is cheap.
    if (begin_ == end_) {
        begin_ = end_ = 0;
    } else if (begin_ != 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    return buffer_.span().subspan(end_);
}

std::optional<ExitOutcome> IncomingStream::received(std::size_t count) {
    end_ += count;
    bytes_received_ += count;
    for (;;) {
        if (data_remaining_ > 0) {
            if (begin_ == end_) return std::nullopt;
            if (auto done = handle_data()) return done;
            continue;
        }
        if (end_ - begin_ < kFrameHeaderBytes) return std::nullopt;
        const auto decoded = protocol::decode_frame_header(
            {buffer_.data() + begin_, kFrameHeaderBytes}, ProtocolLimits{});
        if (const auto* error = std::get_if<protocol::FrameHeaderError>(&decoded)) {
            report_malformed_header(*error, diagnostics_);
            return kClientFailure;
        }
        const auto header = std::get<protocol::FrameHeader>(decoded);
        if (header.type == FrameType::kStarted) {  // empty (decode_frame_header checks)
            program_started_ = true;
            begin_ += kFrameHeaderBytes;
            continue;
        }
        if (header.type == FrameType::kStdout || header.type == FrameType::kStderr) {
            program_started_ = true;
            data_fd_ = header.type == FrameType::kStdout ? output_.stdout_fd : output_.stderr_fd;
            data_remaining_ = header.length;
            begin_ += kFrameHeaderBytes;
            continue;
        }
        if (!is_control_frame(header.type)) {
            diagnostics_.error("the server sent an unexpected frame (type ",
                               static_cast<unsigned>(header.type), ")");
            return kClientFailure;
        }
        // decode_frame_header bounds control frames far below the buffer size.
        if (end_ - begin_ < kFrameHeaderBytes + header.length) return std::nullopt;
        return handle_control_frame(header);
    }
}

std::optional<ExitOutcome> IncomingStream::handle_data() {
    const std::size_t count = std::min(data_remaining_, end_ - begin_);
    const int error = write_fully(data_fd_, {buffer_.data() + begin_, count});
    if (error != 0) {
        diagnostics_.error("cannot write to ",
                           data_fd_ == output_.stdout_fd ? "standard output" : "standard error",
                           ": ", SystemError{error});
        return kClientFailure;
    }
    begin_ += count;
    data_remaining_ -= count;
    return std::nullopt;
}

std::optional<ExitOutcome> IncomingStream::handle_control_frame(
    const protocol::FrameHeader& header) {
    const std::span<const std::uint8_t> payload{buffer_.data() + begin_ + kFrameHeaderBytes,
                                                header.length};
    begin_ += kFrameHeaderBytes + header.length;
    if (header.type != FrameType::kModeRejected) {
        return exit_outcome_for_frame(header.type, payload, diagnostics_, &stdin_consumed_);
    }
    // Content mode is the fallback, never retried from: a refusal here is final.
    const auto accepted = accepted_modes_of(payload, diagnostics_);
    if (!accepted) return kClientFailure;
    return report_mode_rejected(protocol::TransferMode::kContent, *accepted, socket_path_,
                                diagnostics_, terminal_session_);
}

ExitOutcome IncomingStream::end_of_stream() {
    diagnostics_.error("the server closed the connection before reporting an exit status");
    return kClientFailure;
}

}  // namespace bro::client
