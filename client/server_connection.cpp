#include "client/server_connection.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <variant>

#include "core/socket_address.hpp"

namespace bro::client {

UniqueFd connect_to_server(std::string_view socket_path, const Diagnostics& diagnostics) {
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

    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.valid()) {
        diagnostics.error("cannot create a Unix socket: ", SystemError{errno});
        return {};
    }
    int result = ::connect(socket.get(), address.get(), address.length);
    // An interrupted connect() may still complete; retrying then reports EISCONN.
    while (result < 0 && errno == EINTR) {
        result = ::connect(socket.get(), address.get(), address.length);
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
