#include "server/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace bro::server {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::system_category(), what);
}

sockaddr_un address_for(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        throw std::runtime_error("socket path '" + path + "' must be 1 to " +
                                 std::to_string(sizeof address.sun_path - 1) + " bytes long");
    }
    if (path.front() == '@') {
        throw std::runtime_error("abstract socket '" + path +
                                 "' refused: abstract sockets bypass file permissions, so anyone "
                                 "on the host could call this server; use a path");
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

bool someone_listens(const sockaddr_un& address) {
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return probe &&
           connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

void remove_stale_socket(const std::string& path, const sockaddr_un& address) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail("lstat " + path);
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw std::runtime_error(path + " exists and is not a socket; refusing to replace it");
    }
    if (someone_listens(address)) {
        throw std::runtime_error("another server is already listening on " + path);
    }
    if (unlink(path.c_str()) != 0) fail("unlink stale socket " + path);
}

int int_option(int fd, int level, int name) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, level, name, &value, &length) != 0) return -1;
    return value;
}

}  // namespace

Listener Listener::bind_path(const std::string& path) {
    const sockaddr_un address = address_for(path);
    remove_stale_socket(path, address);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail("socket(AF_UNIX)");
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        fail("bind " + path);
    }
    if (listen(fd.get(), SOMAXCONN) != 0) fail("listen " + path);
    return Listener(std::move(fd), path, path);
}

Listener Listener::from_systemd() {
    constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || std::strtol(pid, nullptr, 10) != getpid() ||
        std::strtol(fds, nullptr, 10) < 1) {
        throw std::runtime_error(
            "--systemd-socket: no socket was passed (LISTEN_PID/LISTEN_FDS missing or meant for "
            "another process); start bro-server from a systemd .socket unit or "
            "systemd-socket-activate");
    }
    const long count = std::strtol(fds, nullptr, 10);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (int_option(kFirstFd, SOL_SOCKET, SO_DOMAIN) != AF_UNIX ||
        int_option(kFirstFd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
        int_option(kFirstFd, SOL_SOCKET, SO_ACCEPTCONN) != 1) {
        throw std::runtime_error(
            "--systemd-socket: fd 3 is not a listening AF_UNIX stream socket (use ListenStream= "
            "with Accept=no in the .socket unit)");
    }
    if (fcntl(kFirstFd, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl(3, F_SETFD)");
    // Extra sockets would be served by nobody; close them rather than leak them to children.
    for (long extra = 1; extra < count; ++extra) close(kFirstFd + static_cast<int>(extra));
    return Listener(UniqueFd(kFirstFd), "systemd socket (fd 3)", {});
}

Listener::~Listener() {
    if (!owned_path_.empty() && fd_) unlink(owned_path_.c_str());
}

}  // namespace bro::server
