#pragma once
// The address of a bro-server socket, built once for the server (bind), the client (connect)
// and the tests: a path, or "@name" for an abstract socket, whose sun_path starts with a NUL
// byte instead of the '@' and is not terminated (Linux only; the name lives in the network
// namespace, not the file system). Client-safe: no std::string, no exceptions; each caller
// words the error in its own terms.

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

namespace bro {

struct SocketAddress {
    sockaddr_un address{};
    // What bind() and connect() take: the family plus the name's bytes (a path's NUL included).
    socklen_t length = 0;
    bool abstract = false;

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&address); }
};

struct SocketAddressError {
    enum class Reason : std::uint8_t {
        kEmpty,    // "" or a bare "@": no name at all
        kTooLong,  // more bytes than `limit`
    };
    Reason reason;
    // The most bytes a name of this kind may have: 107 for a path (its NUL must fit in
    // sun_path), 108 for "@name" (the '@' stands for the leading NUL).
    std::size_t limit;
};

// The address for `name` ("@name": abstract), or why there is none.
std::variant<SocketAddress, SocketAddressError> socket_address_for(std::string_view name);

}  // namespace bro
