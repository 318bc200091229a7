#include "client/server_connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <cerrno>
#include <variant>

#include "core/socket_address.hpp"

namespace bro::client {
namespace {

long long monotonic_milliseconds() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

// Lets SIGINT and SIGTERM act as usual (end the client) for as long as it lives: nothing was
// sent yet, so ending the client ends the call, as the forwarding rules want before the program
// starts, and a signal blocked for forwarding could not interrupt the blocking connect().
class InterruptibleWait {
  public:
    InterruptibleWait() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        ::sigprocmask(SIG_UNBLOCK, &set_, &previous_);
    }
    ~InterruptibleWait() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }
    InterruptibleWait(const InterruptibleWait&) = delete;
    InterruptibleWait& operator=(const InterruptibleWait&) = delete;

  private:
    sigset_t set_, previous_;
};

// The slow path, taken only when the listen queue was full: a blocking connect() waits for
// room, and Linux bounds that wait by SO_SNDTIMEO (unix_stream_connect, then EAGAIN). The
// socket is made non-blocking again before returning, so the timeout reaches nothing after
// connect(): a non-blocking send never waits. Returns 0 or the errno of the step that failed.
int connect_when_there_is_room(int socket, const SocketAddress& address,
                               std::uint32_t timeout_seconds) {
    if (::fcntl(socket, F_SETFL, 0) != 0) return errno;
    const InterruptibleWait interruptible;
    const long long deadline = monotonic_milliseconds() + timeout_seconds * 1000LL;
    int error = EAGAIN;
    // A signal (a stop and continue, say) interrupts the wait: wait again for what is left.
    for (long long left = deadline - monotonic_milliseconds(); left > 0;
         left = deadline - monotonic_milliseconds()) {
        const timeval timeout{static_cast<time_t>(left / 1000),
                              static_cast<suseconds_t>(left % 1000 * 1000)};
        if (::setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0) {
            error = errno;
            break;
        }
        error = ::connect(socket, address.get(), address.length) == 0 ? 0 : errno;
        if (error == EISCONN) error = 0;  // the interrupted attempt went through after all
        if (error != EINTR) break;
        error = EAGAIN;
    }
    if (::fcntl(socket, F_SETFL, O_NONBLOCK) != 0 && error == 0) error = errno;
    return error;
}

}  // namespace

int wait_until_ready(int socket, short events) {
    pollfd ready{socket, events, 0};
    while (::poll(&ready, 1, -1) < 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

UniqueFd connect_to_server(std::string_view socket_path, std::uint32_t timeout_seconds,
                           const Diagnostics& diagnostics) {
    if (socket_path.empty()) {
        diagnostics.error("BRO_SOCKET_PATH is not set; point it at the bro-server socket");
        return {};
    }
    const auto built = socket_address_for(socket_path);
    if (const auto* error = std::get_if<SocketAddressError>(&built)) {
        if (error->reason == SocketAddressError::Reason::kEmpty) {
            diagnostics.error(
                "BRO_SOCKET_PATH is \"@\", an abstract socket without a name; "
                "name the server's socket after the @");
        } else {
            diagnostics.error("the socket path ", socket_path, " is ", socket_path.size(),
                              " bytes, but a Unix socket address holds at most ", error->limit,
                              "; use a shorter BRO_SOCKET_PATH (or a symlinked directory)");
        }
        return {};
    }
    const SocketAddress& address = std::get<SocketAddress>(built);

    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket.valid()) {
        diagnostics.error("cannot create a Unix socket: ", SystemError{errno});
        return {};
    }
    // Non-blocking, an AF_UNIX connect() completes at once or fails; it never waits.
    int error = ::connect(socket.get(), address.get(), address.length) == 0 ? 0 : errno;
    if (error == EAGAIN) {
        diagnostics.debug("the listen queue of ", socket_path, " is full; waiting up to ",
                          timeout_seconds, " s for room");
        error = connect_when_there_is_room(socket.get(), address, timeout_seconds);
        if (error == EAGAIN) {
            diagnostics.error("the server at ", socket_path,
                              " is not accepting connections: its listen queue stayed full for ",
                              timeout_seconds,
                              " s; check that bro-server is running and not stopped, hung or "
                              "overloaded (or raise BRO_CONNECT_TIMEOUT)");
            return {};
        }
    }
    if (error != 0) {
        diagnostics.error("cannot connect to ", socket_path, ": ", SystemError{error},
                          "; is bro-server running?");
        return {};
    }
    diagnostics.debug("connected to ", socket_path);
    return socket;
}

}  // namespace bro::client
