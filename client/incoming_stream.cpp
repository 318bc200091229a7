#include "client/incoming_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
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

// Waits until `fd` can take more (an inherited O_NONBLOCK output, or a full pipe); 0 or errno.
int wait_writable(int fd) {
    pollfd writable{fd, POLLOUT, 0};
    while (::poll(&writable, 1, -1) < 0) {
        if (errno != EINTR) return errno;
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
      terminal_session_(terminal_session) {}

IncomingStream::~IncomingStream() {
    for (const int fd : private_pipe_) {
        if (fd >= 0) ::close(fd);
    }
}

std::span<std::uint8_t> IncomingStream::buffer() {
    if (large_.valid()) return large_.span();
    return small_;
}

std::span<std::uint8_t> IncomingStream::receive_space() {
    // A payload to copy: the large buffer from now on (without it, the small one still works).
    const bool copying = data_remaining_ > 0 && routes_[data_stream_] == Route::kCopy;
    if (copying && !large_.valid() && large_.allocate(kLargeBytes)) {
        std::memcpy(large_.data(), small_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    // Data payloads are consumed as they arrive, so what is left is a partial header or a
    // partial Exit/Error frame: moving it to the front is cheap.
    const auto bytes = buffer();
    if (begin_ == end_) {
        begin_ = end_ = 0;
    } else if (begin_ != 0) {
        std::memmove(bytes.data(), bytes.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const auto space = bytes.subspan(end_);
    // Once a payload has been spliced, receive no further than the next header: the payload
    // behind it may be one to splice too. Until then, take what comes (an Exit frame whole).
    if (spliced_ && data_remaining_ == 0 && end_ < kFrameHeaderBytes) {
        return space.first(kFrameHeaderBytes - end_);
    }
    return space;
}

// Which way payloads for `stream` (0 stdout, 1 stderr) go, decided at its first frame.
IncomingStream::Route IncomingStream::route_for(int stream) {
    Route& route = routes_[stream];
    if (route != Route::kUnknown) return route;
    route = Route::kCopy;
    const int fd = stream == 0 ? output_.stdout_fd : output_.stderr_fd;
    struct stat st {};
    if (!output_.splice || ::fstat(fd, &st) != 0) return route;
    if (S_ISFIFO(st.st_mode)) {
        route = Route::kSplice;
    } else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
        route = Route::kSpliceThroughPipe;  // /dev/null
    } else if (S_ISREG(st.st_mode) && !(::fcntl(fd, F_GETFL) & O_APPEND)) {
        route = Route::kSpliceThroughPipe;
    }
    return route;
}

bool IncomingStream::wants_splice() const {
    const Route route = routes_[data_stream_];
    return data_remaining_ > 0 && begin_ == end_ &&
           (route == Route::kSplice || route == Route::kSpliceThroughPipe);
}

std::optional<ExitOutcome> IncomingStream::splice_from(int socket) {
    const bool through_pipe = routes_[data_stream_] == Route::kSpliceThroughPipe;
    const int fd = data_stream_ == 0 ? output_.stdout_fd : output_.stderr_fd;
    if (through_pipe && private_pipe_[0] < 0) {
        if (::pipe2(private_pipe_, O_CLOEXEC) != 0) {
            routes_[data_stream_] = Route::kCopy;  // copied instead: nothing lost
            return std::nullopt;
        }
        ::fcntl(private_pipe_[1], F_SETPIPE_SZ, static_cast<int>(kDataChunkBytes));
    }
    for (;;) {
        // The private pipe is empty between calls, so only the socket can hold this up.
        const ssize_t n = ::splice(socket, nullptr, through_pipe ? private_pipe_[1] : fd, nullptr,
                                   data_remaining_, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
            data_remaining_ -= static_cast<std::size_t>(n);
            bytes_received_ += static_cast<std::uint64_t>(n);
            if (through_pipe) return drain_private_pipe(static_cast<std::size_t>(n));
            return std::nullopt;
        }
        if (n == 0 || errno == ECONNRESET) return end_of_stream();
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return output_failed(errno);
        if (through_pipe) return std::nullopt;  // the socket is empty
        // Either side may be the one that blocks: a full pipe is waited for, as a write to it
        // would be; an empty socket goes back to the caller's poll.
        pollfd writable{fd, POLLOUT, 0};
        int ready;
        do {
            ready = ::poll(&writable, 1, 0);
        } while (ready < 0 && errno == EINTR);
        if (ready > 0) return std::nullopt;
        if (const int error = wait_writable(fd)) return output_failed(error);
    }
}

std::optional<ExitOutcome> IncomingStream::drain_private_pipe(std::size_t count) {
    const int fd = data_stream_ == 0 ? output_.stdout_fd : output_.stderr_fd;
    while (count > 0) {
        const ssize_t n = ::splice(private_pipe_[0], nullptr, fd, nullptr, count, SPLICE_F_MOVE);
        if (n > 0) {
            count -= static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {  // an inherited O_NONBLOCK output
            if (const int error = wait_writable(fd)) return output_failed(error);
            continue;
        }
        if (n < 0 && errno != EINVAL) return output_failed(errno);
        // The output refuses splice after all: copy what waits, and everything after it.
        routes_[data_stream_] = Route::kCopy;
        const auto bytes = buffer();
        while (count > 0) {
            const ssize_t got =
                ::read(private_pipe_[0], bytes.data(), std::min(count, bytes.size()));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return output_failed(got < 0 ? errno : EIO);
            const int error = write_fully(fd, bytes.first(static_cast<std::size_t>(got)));
            if (error != 0) return output_failed(error);
            count -= static_cast<std::size_t>(got);
        }
    }
    return std::nullopt;
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
            buffer().subspan(begin_, kFrameHeaderBytes), ProtocolLimits{});
        if (const auto* error = std::get_if<protocol::FrameHeaderError>(&decoded)) {
            report_malformed_header(*error, diagnostics_);
            return kClientFailure;
        }
        const auto header = std::get<protocol::FrameHeader>(decoded);
        if (header.type == FrameType::kStarted) {  // empty (decode_frame_header checks)
            diagnostics_.debug("the program started");
            program_started_ = true;
            begin_ += kFrameHeaderBytes;
            continue;
        }
        if (header.type == FrameType::kStdout || header.type == FrameType::kStderr) {
            program_started_ = true;
            data_stream_ = header.type == FrameType::kStdout ? 0 : 1;
            if (route_for(data_stream_) != Route::kCopy) spliced_ = true;
            data_remaining_ = header.length;
            begin_ += kFrameHeaderBytes;
            continue;
        }
        if (!is_control_frame(header.type)) {
            diagnostics_.error("the server sent an unexpected frame (type ",
                               static_cast<unsigned>(header.type), ")");
            return kClientFailure;
        }
        // decode_frame_header bounds control frames below the small buffer's size.
        if (end_ - begin_ < kFrameHeaderBytes + header.length) return std::nullopt;
        return handle_control_frame(header);
    }
}

std::optional<ExitOutcome> IncomingStream::handle_data() {
    const std::size_t count = std::min(data_remaining_, end_ - begin_);
    const int fd = data_stream_ == 0 ? output_.stdout_fd : output_.stderr_fd;
    const int error = write_fully(fd, buffer().subspan(begin_, count));
    if (error != 0) return output_failed(error);
    begin_ += count;
    data_remaining_ -= count;
    return std::nullopt;
}

ExitOutcome IncomingStream::output_failed(int error) const {
    if (error == EPIPE && sigpipe_deferred_) return ExitOutcome::die_by(SIGPIPE);
    diagnostics_.error("cannot write to ", data_stream_ == 0 ? "standard output" : "standard error",
                       ": ", SystemError{error});
    return kClientFailure;
}

std::optional<ExitOutcome> IncomingStream::handle_control_frame(
    const protocol::FrameHeader& header) {
    const std::span<const std::uint8_t> payload =
        buffer().subspan(begin_ + kFrameHeaderBytes, header.length);
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
