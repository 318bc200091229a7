#include "client/fd_reply.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <variant>

#include "client/control_frames.hpp"
#include "client/forwarded_signals.hpp"
#include "client/server_connection.hpp"
#include "core/limits.hpp"
#include "core/wire.hpp"

namespace bro::client {
namespace {

using protocol::FrameType;
using protocol::kFrameHeaderBytes;

// Room for any control frame decode_frame_header lets through, header included (Exit and
// Error payloads are bounded by max_message_bytes plus their fixed fields).
constexpr std::size_t kReplyBytes = 8192;
static_assert(kFrameHeaderBytes + ProtocolLimits{}.max_message_bytes + 64 <= kReplyBytes);

const char* accepted_modes_name(std::uint8_t accepted) {
    switch (accepted) {
        case protocol::kAcceptsContent:
            return "content mode";
        case protocol::kAcceptsFdPassing:
            return "fd-passing mode";
        default:
            return "content and fd-passing mode";
    }
}

// The server's few frames, one at a time: bytes that arrived beyond a frame (an Exit right
// behind Started) stay for the next.
class ReplyReader {
  public:
    explicit ReplyReader(int socket) : socket_(socket) {}

    // Whether a whole frame is buffered already.
    bool frame_buffered() const {
        if (filled_ < kFrameHeaderBytes) return false;
        const auto decoded =
            protocol::decode_frame_header({buffer_.data(), kFrameHeaderBytes}, ProtocolLimits{});
        const auto* header = std::get_if<protocol::FrameHeader>(&decoded);
        return header == nullptr || filled_ >= kFrameHeaderBytes + header->length;
    }

    // Receives until a whole control frame is buffered; its header, or nullopt after saying
    // why not.
    std::optional<protocol::FrameHeader> next(const Diagnostics& diagnostics) {
        if (!receive(kFrameHeaderBytes, diagnostics)) return std::nullopt;
        const auto decoded =
            protocol::decode_frame_header({buffer_.data(), kFrameHeaderBytes}, ProtocolLimits{});
        if (const auto* error = std::get_if<protocol::FrameHeaderError>(&decoded)) {
            report_malformed_header(*error, diagnostics);
            return std::nullopt;
        }
        const auto header = std::get<protocol::FrameHeader>(decoded);
        if (!is_control_frame(header.type) && header.type != FrameType::kStarted) {
            diagnostics.error("the server sent an unexpected frame (type ",
                              static_cast<unsigned>(header.type),
                              ") in fd-passing mode; are client and server the same version?");
            return std::nullopt;
        }
        if (header.length > buffer_.size() - kFrameHeaderBytes) {
            diagnostics.error("the server sent a malformed frame (type ",
                              static_cast<unsigned>(header.type), ", ", header.length,
                              " bytes); are client and server the same version?");
            return std::nullopt;
        }
        if (!receive(kFrameHeaderBytes + header.length, diagnostics)) return std::nullopt;
        return header;
    }

    std::span<const std::uint8_t> payload(const protocol::FrameHeader& header) const {
        return {buffer_.data() + kFrameHeaderBytes, header.length};
    }

    // After ModeRejected (consumed): whether RetryHere follows, so the server reads the
    // content-mode Request on this connection, rather than the end of the connection (a
    // server that expects the client to reconnect).
    bool retry_here_follows() {
        if (receive_quietly(kFrameHeaderBytes) != Received::kAll) return false;
        const auto retry = protocol::encode_frame_header(FrameType::kRetryHere, 0);
        return filled_ == kFrameHeaderBytes &&
               std::equal(retry.begin(), retry.end(), buffer_.begin());
    }

    // Drops the frame next() returned, keeping what followed it.
    void consume(const protocol::FrameHeader& header) {
        const std::size_t size = kFrameHeaderBytes + header.length;
        std::memmove(buffer_.data(), buffer_.data() + size, filled_ - size);
        filled_ -= size;
    }

  private:
    enum class Received { kAll, kEnded, kFailed };

    // Receives until `wanted` bytes are buffered, taking whatever else has arrived too. kEnded:
    // the server closed (or reset) the connection first; kFailed: with errno set.
    Received receive_quietly(std::size_t wanted) {
        while (filled_ < wanted) {
            const ssize_t n =
                ::recv(socket_, buffer_.data() + filled_, buffer_.size() - filled_, 0);
            if (n > 0) {
                filled_ += static_cast<std::size_t>(n);
            } else if (n == 0 || errno == ECONNRESET) {
                return Received::kEnded;
            } else if (errno == EAGAIN) {
                if (const int error = wait_until_ready(socket_, POLLIN)) {
                    errno = error;
                    return Received::kFailed;
                }
            } else if (errno != EINTR) {
                return Received::kFailed;
            }
        }
        return Received::kAll;
    }

    // receive_quietly(), saying why it fell short.
    bool receive(std::size_t wanted, const Diagnostics& diagnostics) {
        switch (receive_quietly(wanted)) {
            case Received::kAll:
                return true;
            case Received::kEnded:
                diagnostics.error(
                    "the server closed the connection before reporting an exit status");
                return false;
            case Received::kFailed:
                diagnostics.error("cannot receive from the server: ", SystemError{errno});
                return false;
        }
        return false;
    }

    int socket_;
    std::array<std::uint8_t, kReplyBytes> buffer_;
    std::size_t filled_ = 0;
};

// How a wait for the server's next frame ended.
struct Awaited {
    bool failed = false;
    int interrupted_by = 0;  // a signal that ends the call (before Started), or 0
};

// Waits until the server's next frame starts to arrive, forwarding the caller's signals
// meanwhile.
Awaited await_frame(int socket, int signal_fd, bool started, const Diagnostics& diagnostics) {
    if (signal_fd < 0) return {};  // ReplyReader waits instead
    for (;;) {
        std::array<pollfd, 2> fds{{{socket, POLLIN, 0}, {signal_fd, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            diagnostics.error("poll failed: ", SystemError{errno});
            return {true, 0};
        }
        if (fds[1].revents & POLLIN) {
            while (const auto signal = read_forwarded_signal(signal_fd)) {
                if (!started && ends_call_before_start(*signal)) return {false, *signal};
                send_signal_frame(socket, *signal, diagnostics);
            }
        }
        if (fds[0].revents != 0) return {};
    }
}

}  // namespace

FdReply await_fd_reply(int socket, int signal_fd, std::string_view socket_path,
                       const Diagnostics& diagnostics) {
    ReplyReader reader(socket);
    bool started = false;
    for (;;) {
        if (!reader.frame_buffered()) {
            const Awaited awaited = await_frame(socket, signal_fd, started, diagnostics);
            if (awaited.failed) return {};
            if (awaited.interrupted_by != 0) {
                diagnostics.debug("signal ", awaited.interrupted_by,
                                  " before the program started: ending the call");
                return {ExitOutcome::die_by(awaited.interrupted_by), 0};
            }
        }
        const auto header = reader.next(diagnostics);
        if (!header) return {};
        const auto payload = reader.payload(*header);
        if (header->type == FrameType::kStarted) {
            diagnostics.debug("the program started");
            started = true;
            reader.consume(*header);
            continue;
        }
        if (header->type != FrameType::kModeRejected) {
            return {exit_outcome_for_frame(header->type, payload, diagnostics), 0};
        }
        const auto accepted = accepted_modes_of(payload, diagnostics);
        if (!accepted) return {};
        reader.consume(*header);
        const bool retry_here = reader.retry_here_follows();
        diagnostics.debug("the server at ", socket_path, " rejected fd-passing mode; it accepts ",
                          accepted_modes_name(*accepted),
                          retry_here ? " (on this connection)" : "");
        return {kClientFailure, *accepted, retry_here};
    }
}

}  // namespace bro::client
