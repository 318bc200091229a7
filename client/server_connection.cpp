#include "client/server_connection.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace bro::client {

UniqueFd connect_to_server(std::string_view socket_path, const Diagnostics& diagnostics) {
    if (socket_path.empty()) {
        diagnostics.error("BRO_SOCKET_PATH is not set; point it at the bro-server socket");
        return {};
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const bool abstract = socket_path.front() == '@';
    // A path needs its terminating NUL inside sun_path; an abstract name starts with a NUL
    // byte instead and is not terminated.
    const std::size_t needed = socket_path.size() + (abstract ? 0 : 1);
    if (needed > sizeof(address.sun_path)) {
        diagnostics.error("the socket path ", socket_path, " is ", socket_path.size(),
                          " bytes, but a Unix socket address holds at most ",
                          sizeof(address.sun_path) - (abstract ? 0 : 1),
                          "; use a shorter BRO_SOCKET_PATH (or a symlinked directory)");
        return {};
    }
    std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
    if (abstract) address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + needed);

    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.valid()) {
        diagnostics.error("cannot create a Unix socket: ", SystemError{errno});
        return {};
    }
    int result = ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), length);
    // An interrupted connect() may still complete; retrying then reports EISCONN.
    while (result < 0 && errno == EINTR) {
        result = ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), length);
        if (result < 0 && errno == EISCONN) result = 0;
    }
    if (result < 0) {
        diagnostics.error("cannot connect to ", socket_path, ": ", SystemError{errno},
                          "; is bro-server running?");
        return {};
    }
    diagnostics.debug("connected to ", socket_path);
    return socket;
}

}  // namespace bro::client
