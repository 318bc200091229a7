#include "client/content_exchange.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <optional>

#include "client/caller_terminal.hpp"
#include "client/exit_code.hpp"
#include "client/forwarded_signals.hpp"
#include "client/incoming_stream.hpp"
#include "client/outgoing_stream.hpp"
#include "client/request_builder.hpp"
#include "client/server_connection.hpp"

namespace bro::client {
namespace {

struct RelayFds {
    int socket = -1;  // connected to the server, non-blocking (server_connection.hpp)
    int stdin_fd = 0;
    OutputFds output;
    int signal_fd = -1;  // forwarded signals (forwarded_signals.hpp); -1: none
    // A terminal session: the caller's terminal, in raw mode (stdin_fd is that terminal).
    // SIGWINCH then becomes a WindowSize frame, SIGTSTP stops the client itself, and SIGCONT
    // puts the terminal back in raw mode; other signals are forwarded as usual.
    RawTerminal* terminal = nullptr;
};

enum class SendResult { kProgress, kWouldBlock, kPeerGone, kFailed };

// splice(2) into the socket cannot say MSG_NOSIGNAL: a server that closed its end (it sent the
// Exit frame, the program stopped reading) would kill the client with SIGPIPE before the
// client reads that last frame. So while a relay splices stdin, SIGPIPE is blocked; one raised
// meanwhile is discarded at the end, and a broken output of the caller's ends the client by
// SIGPIPE explicitly (OutputFds::sigpipe_deferred), as it would have ended anyway.
class SigpipeDeferral {
  public:
    // `wanted`: the relay will splice. A caller that ignores SIGPIPE needs no deferral (and
    // then gets EPIPE reported as usual).
    explicit SigpipeDeferral(bool wanted) {
        struct sigaction current {};
        if (!wanted || ::sigaction(SIGPIPE, nullptr, &current) != 0 ||
            current.sa_handler == SIG_IGN) {
            return;
        }
        sigset_t only = sigpipe_only();
        active_ = ::sigprocmask(SIG_BLOCK, &only, &previous_) == 0;
    }
    ~SigpipeDeferral() {
        if (!active_) return;
        // A SIGPIPE the caller had blocked already is the caller's, not ours to discard.
        if (!sigismember(&previous_, SIGPIPE)) {
            const sigset_t only = sigpipe_only();
            const timespec now{};
            while (::sigtimedwait(&only, nullptr, &now) == SIGPIPE) {
            }
        }
        ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeDeferral(const SigpipeDeferral&) = delete;
    SigpipeDeferral& operator=(const SigpipeDeferral&) = delete;

    bool active() const { return active_; }

  private:
    static sigset_t sigpipe_only() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        return set;
    }
    bool active_ = false;
    sigset_t previous_{};
};

// Sends what the stream has pending, or splices the stdin payload that waits in its private
// pipe into the socket.
SendResult send_some(int socket, OutgoingStream& outgoing, int& error) {
    const auto pending = outgoing.pending();
    ssize_t n;
    if (pending.empty()) {
        do {
            n = ::splice(outgoing.splice_source(), nullptr, socket, nullptr, outgoing.splice_left(),
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        } while (n < 0 && errno == EINTR);
        if (n > 0) {
            outgoing.spliced(static_cast<std::size_t>(n));
            return SendResult::kProgress;
        }
    } else {
        do {
            n = ::send(socket, pending.data(), pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n >= 0) {
            outgoing.sent(static_cast<std::size_t>(n));
            return SendResult::kProgress;
        }
    }
    error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) return SendResult::kWouldBlock;
    if (error == EPIPE || error == ECONNRESET) return SendResult::kPeerGone;
    return SendResult::kFailed;
}

void log_totals(const Diagnostics& diagnostics, const OutgoingStream& outgoing,
                const IncomingStream& incoming) {
    diagnostics.debug("sent ", outgoing.bytes_sent(), " bytes, received ",
                      incoming.bytes_received(), " bytes");
}

// The relay reads stdin ahead of the program; a seekable stdin is put back where the program
// stopped, so `while read f; do tool "$f"; done < list` sees the same lines as locally.
void restore_stdin_offset(const ClientRequest& request, int stdin_fd,
                          const IncomingStream& incoming, const Diagnostics& diagnostics) {
    const std::uint64_t consumed = incoming.stdin_consumed();
    if (!request.stdin_start || consumed == protocol::kStdinConsumedUnknown) return;
    const off_t offset = *request.stdin_start + static_cast<off_t>(consumed);
    if (::lseek(stdin_fd, offset, SEEK_SET) < 0) {
        diagnostics.debug("cannot restore the stdin offset: ", SystemError{errno});
        return;
    }
    diagnostics.debug("the program consumed ", consumed, " stdin bytes; stdin offset now ",
                      static_cast<long long>(offset));
}

// In a terminal session, the signals that concern the caller's terminal rather than the
// program: the kernel of the server sends SIGWINCH to the program's foreground job itself when
// the WindowSize frame changes the pseudo-terminal's size, so it is never forwarded twice.
// Returns false for the signals to forward.
bool handle_terminal_signal(int signal, RawTerminal& terminal, OutgoingStream& outgoing,
                            const Diagnostics& diagnostics) {
    switch (signal) {
        case SIGTSTP:
            diagnostics.debug("SIGTSTP: stopping bro-client itself");
            terminal.suspend();
            break;
        case SIGCONT:
            terminal.reenter();
            break;
        case SIGWINCH:
            break;
        default:
            return false;
    }
    // The size may have changed while the client was stopped, with nobody told.
    if (const auto size = read_window_size(terminal.fd())) {
        diagnostics.debug("window size ", size->rows, "x", size->columns);
        outgoing.queue_window_size(*size);
    }
    return true;
}

// Queues a Signal frame for each signal read from the signalfd (terminal signals aside).
// Before the program runs, SIGINT or SIGTERM ends the call instead: that signal is returned.
std::optional<int> forward_signals(int signal_fd, RawTerminal* terminal, OutgoingStream& outgoing,
                                   bool program_started, const Diagnostics& diagnostics) {
    while (const auto signal = read_forwarded_signal(signal_fd)) {
        if (terminal != nullptr &&
            handle_terminal_signal(*signal, *terminal, outgoing, diagnostics))
            continue;
        if (!program_started && ends_call_before_start(*signal)) return signal;
        diagnostics.debug("forwarding signal ", *signal);
        if (!outgoing.queue_signal(*signal)) diagnostics.debug("signal queue full, dropped");
    }
    return std::nullopt;
}

// One splice or receive from the socket into `incoming`: nullopt while the run goes on, else
// how the client ends. `more` says the receive filled all its room, so more is likely waiting
// and the next one need not wait in poll() first.
std::optional<ExitOutcome> take_from_socket(int socket, IncomingStream& incoming, bool& more,
                                            const Diagnostics& diagnostics) {
    more = false;
    if (incoming.wants_splice()) return incoming.splice_from(socket);
    const auto space = incoming.receive_space();
    ssize_t n;
    do {
        n = ::recv(socket, space.data(), space.size(), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        more = static_cast<std::size_t>(n) == space.size();
        return incoming.received(static_cast<std::size_t>(n));
    }
    if (n == 0 || errno == ECONNRESET) return incoming.end_of_stream();
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    diagnostics.error("cannot receive from the server: ", SystemError{errno});
    return kClientFailure;
}

// Runs the exchange and returns how the client ends (exit_code.hpp). Closes each file
// argument once its content is sent. `socket_path` names the server in messages. When the
// request has a stdin_start, stdin's offset is left where the program stopped reading.
ExitOutcome relay(const RelayFds& fds, ClientRequest& request, std::string_view socket_path,
                  const Diagnostics& diagnostics) {
    const SigpipeDeferral sigpipe(request.stdin_is_pipe);
    OutgoingStream outgoing(request, fds.stdin_fd, request.stdin_is_pipe);
    IncomingStream incoming(fds.output, socket_path, diagnostics, fds.terminal != nullptr);
    if (sigpipe.active()) incoming.sigpipe_deferred();
    bool socket_writable = true;   // until send() says otherwise; saves a poll() per chunk
    bool socket_readable = false;  // the last receive filled its room: more is likely there
    for (;;) {
        if (!outgoing.fill_from_files(diagnostics)) return kClientFailure;
        const bool has_output = !outgoing.pending().empty() || outgoing.splice_left() > 0;
        if (socket_writable && has_output) {
            int error = 0;
            switch (send_some(fds.socket, outgoing, error)) {
                case SendResult::kProgress:
                    break;
                case SendResult::kWouldBlock:
                    socket_writable = false;
                    break;
                case SendResult::kPeerGone:
                    // The server stopped reading; its Exit or Error frame may still come.
                    diagnostics.debug("the server stopped reading: ", SystemError{error});
                    outgoing.stop();
                    break;
                case SendResult::kFailed:
                    diagnostics.error("cannot send to the server: ", SystemError{error});
                    return kClientFailure;
            }
        }

        // The signalfd goes last, and stdin is skipped (fd -1) when not wanted.
        std::array<pollfd, 3> poll_fds{{{fds.socket, POLLIN, 0},
                                        {outgoing.wants_stdin() ? fds.stdin_fd : -1, POLLIN, 0},
                                        {fds.signal_fd, POLLIN, 0}}};
        const bool still_to_send = !outgoing.pending().empty() || outgoing.splice_left() > 0;
        if (still_to_send) poll_fds[0].events |= POLLOUT;
        const nfds_t count = fds.signal_fd >= 0 ? 3 : (outgoing.wants_stdin() ? 2 : 1);
        // More file content can be read at once: only look at the socket, do not wait.
        const bool busy =
            outgoing.wants_files() || (socket_writable && still_to_send) || socket_readable;
        if (::poll(poll_fds.data(), count, busy ? 0 : -1) < 0) {
            if (errno == EINTR) continue;
            diagnostics.error("poll failed: ", SystemError{errno});
            return kClientFailure;
        }

        if (poll_fds[0].revents & POLLOUT) socket_writable = true;
        if ((poll_fds[0].revents & (POLLIN | POLLHUP | POLLERR)) || socket_readable) {
            if (const auto outcome =
                    take_from_socket(fds.socket, incoming, socket_readable, diagnostics)) {
                log_totals(diagnostics, outgoing, incoming);
                restore_stdin_offset(request, fds.stdin_fd, incoming, diagnostics);
                return *outcome;
            }
        }
        if (count >= 2 && poll_fds[1].fd >= 0 &&
            (poll_fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
            if (!outgoing.read_stdin(diagnostics)) return kClientFailure;
        }
        if (count == 3 && (poll_fds[2].revents & POLLIN)) {
            const auto interrupted = forward_signals(fds.signal_fd, fds.terminal, outgoing,
                                                     incoming.program_started(), diagnostics);
            if (interrupted) {
                // The caller's return closes the connection: the server never runs it.
                diagnostics.debug("signal ", *interrupted,
                                  " before the program started: ending the call");
                return ExitOutcome::die_by(*interrupted);
            }
        }
    }
}

}  // namespace

ExitOutcome run_content_mode(const Invocation& invocation, UniqueFd connection) {
    const ClientConfig& config = invocation.config;
    const Diagnostics& diagnostics = invocation.diagnostics;
    const bro::UniqueFd socket =
        connection.valid()
            ? std::move(connection)
            : connect_to_server(
                  config.socket_path,
                  config.connect_timeout_seconds.value_or(kDefaultConnectTimeoutSeconds),
                  diagnostics);
    if (!socket.valid()) return kClientFailure;
    RequestOptions options;
    std::optional<RawTerminal> terminal;
    if (invocation.terminal_session) {
        terminal.emplace(STDIN_FILENO, diagnostics);
        if (!terminal->valid()) return kClientFailure;
        // A terminal whose size is unknown reports 0 x 0, which programs read as "not known".
        options.terminal = read_window_size(STDIN_FILENO).value_or(protocol::WindowSize{});
        options.terminal_modes = terminal->caller_modes();
    }
    ClientRequest request = build_request(config, invocation.arguments, invocation.environment,
                                          invocation.stdin_was_closed, options, diagnostics);
    // Payloads are spliced (zero-copy) wherever the caller's descriptors allow it; a
    // terminal session's are the terminal, which cannot be spliced.
    const OutputFds output{STDOUT_FILENO, STDERR_FILENO, /*splice=*/!terminal};
    const RelayFds fds{socket.get(), STDIN_FILENO, output, invocation.signal_fd};
    if (!terminal) return relay(fds, request, config.socket_path, diagnostics);

    // Raw only now, so every message about a failed start came out with the usual settings.
    if (!terminal->enter()) return kClientFailure;
    RelayFds terminal_fds = fds;
    terminal_fds.terminal = &*terminal;
    return relay(terminal_fds, request, config.socket_path, diagnostics);
}

}  // namespace bro::client
