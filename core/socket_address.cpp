#include "core/socket_address.hpp"

#include <cstring>

namespace bro {

std::variant<SocketAddress, SocketAddressError> socket_address_for(std::string_view name) {
    SocketAddress result;
    result.address.sun_family = AF_UNIX;
    result.abstract = name.starts_with('@');
    // A path needs its terminating NUL inside sun_path; an abstract name does not.
    const std::size_t terminator = result.abstract ? 0 : 1;
    const std::size_t limit = sizeof result.address.sun_path - terminator;
    if (name.size() < (result.abstract ? 2 : 1)) {
        return SocketAddressError{SocketAddressError::Reason::kEmpty, limit};
    }
    if (name.size() > limit) return SocketAddressError{SocketAddressError::Reason::kTooLong, limit};
    std::memcpy(result.address.sun_path, name.data(), name.size());
    if (result.abstract) result.address.sun_path[0] = '\0';
    result.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + terminator);
    return result;
}

}  // namespace bro
