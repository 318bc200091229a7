#pragma once
// Real descriptors for the ring tests: every helper creates its fds with O_CLOEXEC, throws
// std::system_error naming the call on failure, and closes what it owns on destruction.

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/unique_fd.hpp"

namespace bro::ring {

// The project's fd owner; the tests only alias it.
using OwnedFd = bro::UniqueFd;

struct Pipe {
    OwnedFd read_end;
    OwnedFd write_end;
};
Pipe make_pipe();

struct SocketPair {
    OwnedFd first;
    OwnedFd second;
};
SocketPair make_socket_pair(int type = SOCK_STREAM);

// An unnamed regular file in the temp directory, removed when closed.
OwnedFd make_temp_file();

// A listening AF_UNIX stream socket on a kernel-chosen (autobind) abstract address, so
// parallel test runs never collide on a name.
class UnixListener {
  public:
    UnixListener();
    int fd() const { return fd_.get(); }
    // A blocking connect; it completes as soon as the connection is queued for accept.
    OwnedFd connect() const;

  private:
    OwnedFd fd_;
    sockaddr_un address_{};
    socklen_t address_length_ = 0;
};

// An fd number that is certainly closed right now (the tests are single-threaded).
int closed_fd();
bool has_cloexec(int fd);

std::vector<std::uint8_t> bytes_of(std::string_view text);
std::string text_of(std::span<const std::uint8_t> bytes);

// Blocking helpers for the side of a test that is not under test; read_exactly gives up
// (throws) after a few seconds without data.
void write_all(int fd, std::string_view text);
std::string read_exactly(int fd, std::size_t length);

}  // namespace bro::ring
