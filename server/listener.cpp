#include "server/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <variant>

#include "core/socket_address.hpp"

namespace bro::server {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::system_category(), what);
}

SocketAddress address_for(const std::string& path, bool allow_abstract) {
    const auto built = socket_address_for(path);
    if (const auto* error = std::get_if<SocketAddressError>(&built)) {
        throw std::runtime_error("socket path '" + path + "' must be 1 to " +
                                 std::to_string(error->limit) + " bytes long");
    }
    const auto& address = std::get<SocketAddress>(built);
    if (address.abstract && !allow_abstract) {
        throw std::runtime_error("abstract socket '" + path +
                                 "' refused: abstract sockets bypass file permissions, so anyone "
                                 "on the host could call this server; use a path, or restrict "
                                 "callers with --allow-uid or --allow-gid");
    }
    return address;
}

bool someone_listens(const SocketAddress& address) {
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return probe && connect(probe.get(), address.get(), address.length) == 0;
}

void remove_stale_socket(const std::string& path, const SocketAddress& address) {
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

// Binds with a umask that yields exactly `mode`, so the socket never exists with wider
// permissions (chmod after bind would leave a window; fchmod on a socket fd does not reach
// the file). The process is still single-threaded here.
void bind_with_mode(int fd, const SocketAddress& address, std::optional<mode_t> mode,
                    const std::string& path) {
    const mode_t previous = mode ? umask(~*mode & 0777) : 0;
    const int bound = bind(fd, address.get(), address.length);
    const int bind_error = errno;
    if (mode) umask(previous);
    errno = bind_error;
    if (bound != 0) fail("bind " + path);
}

}  // namespace

Listener Listener::bind_path(const std::string& path, const SocketSettings& settings) {
    const SocketAddress address = address_for(path, settings.allow_abstract);
    if (!address.abstract) remove_stale_socket(path, address);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail("socket(AF_UNIX)");
    bind_with_mode(fd.get(), address, settings.mode, path);
    // From here on the file is ours: remove it on every failure path.
    Listener listener(std::move(fd), path, address.abstract ? std::string{} : path);
    if ((settings.owner_uid || settings.owner_gid) &&
        lchown(path.c_str(), settings.owner_uid.value_or(static_cast<uid_t>(-1)),
               settings.owner_gid.value_or(static_cast<gid_t>(-1))) != 0) {
        fail("chown " + path + " (--socket-owner)");
    }
    if (listen(listener.fd(), SOMAXCONN) != 0) fail("listen " + path);
    return listener;
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
