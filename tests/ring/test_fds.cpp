#include "test_fds.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace bro::ring {
namespace {

constexpr int kBlockingLimitMs = 5000;

[[noreturn]] void throw_errno(const std::string& call) {
    throw std::system_error(errno, std::system_category(), call);
}

}  // namespace

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
    return {OwnedFd(fds[0]), OwnedFd(fds[1])};
}

SocketPair make_socket_pair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
    return {OwnedFd(fds[0]), OwnedFd(fds[1])};
}

OwnedFd make_temp_file() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = dir && *dir ? dir : "/tmp";
    int fd = ::open(path.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return OwnedFd(fd);
    // Some file systems lack O_TMPFILE: create a named file and unlink it at once.
    path += "/bro_ring_test_XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) throw_errno("mkostemp " + path);
    ::unlink(path.c_str());
    return OwnedFd(fd);
}

UnixListener::UnixListener() : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_.get() < 0) throw_errno("socket AF_UNIX");
    sockaddr_un unnamed{};
    unnamed.sun_family = AF_UNIX;
    // Binding with only the family asks the kernel for a unique abstract address.
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&unnamed), sizeof(sa_family_t)) != 0) {
        throw_errno("bind (autobind)");
    }
    if (::listen(fd_.get(), 64) != 0) throw_errno("listen");
    address_length_ = sizeof(address_);
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address_), &address_length_) != 0) {
        throw_errno("getsockname");
    }
}

OwnedFd UnixListener::connect() const {
    OwnedFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (client.get() < 0) throw_errno("socket AF_UNIX");
    if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&address_), address_length_) !=
        0) {
        throw_errno("connect to the test listener");
    }
    return client;
}

int closed_fd() {
    Pipe pipe = make_pipe();
    return pipe.read_end.get();  // both ends close when `pipe` goes out of scope
}

bool has_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) throw_errno("fcntl F_GETFD");
    return flags & FD_CLOEXEC;
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

std::string text_of(std::span<const std::uint8_t> bytes) {
    return {bytes.begin(), bytes.end()};
}

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write");
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string read_exactly(int fd, std::size_t length) {
    std::string result(length, '\0');
    std::size_t done = 0;
    while (done < length) {
        pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
        const int ready = ::poll(&readable, 1, kBlockingLimitMs);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw_errno("poll");
        if (ready == 0) throw std::runtime_error("read_exactly: no data within the time limit");
        const ssize_t n = ::read(fd, result.data() + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read");
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    result.resize(done);
    return result;
}

}  // namespace bro::ring
