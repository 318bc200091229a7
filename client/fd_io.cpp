#include "client/fd_io.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace bro::client {

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

ssize_t read_retrying(int fd, std::span<std::uint8_t> into) {
    ssize_t n;
    do {
        n = ::read(fd, into.data(), into.size());
    } while (n < 0 && errno == EINTR);
    return n;
}

}  // namespace bro::client
