#include "client/fd_message.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace bro::client {

int send_with_fds(int socket, std::span<const std::uint8_t> frame, std::span<const int> fds) {
    if (fds.size() > kMaxFdsPerMessage || frame.empty()) return EINVAL;
    // Sized for the kernel's maximum so no allocation is needed; cmsghdr alignment is what
    // CMSG_FIRSTHDR expects.
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    std::memset(control, 0, sizeof(control));

    iovec data{const_cast<std::uint8_t*>(frame.data()), frame.size()};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    if (!fds.empty()) {
        message.msg_control = control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    }

    // An interrupted sendmsg() sent nothing (a stream socket reports partial progress
    // instead), so retrying it with the same descriptors cannot pass them twice.
    ssize_t n;
    do {
        n = ::sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno;

    // The descriptors went with the first byte; the rest is plain data.
    auto rest = frame.subspan(static_cast<std::size_t>(n));
    while (!rest.empty()) {
        n = ::send(socket, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        rest = rest.subspan(static_cast<std::size_t>(n));
    }
    return 0;
}

}  // namespace bro::client
