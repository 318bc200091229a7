#include "server/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

Listener Listener::adopt(UniqueFd fd, std::string description) {
    return Listener(std::move(fd), std::move(description), {});
}

namespace {

constexpr int kFirstSystemdFd = 3;  // SD_LISTEN_FDS_START

std::vector<std::string> split_names(const char* names, std::size_t count) {
    std::vector<std::string> split;
    std::string text = names != nullptr ? names : "";
    for (std::size_t start = 0; split.size() < count;) {
        const auto end = text.find(':', start);
        split.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    split.resize(count);  // systemd names unnamed sockets "unknown"; missing ones stay empty
    return split;
}

void check_listening_stream(int fd, const std::string& name) {
    if (int_option(fd, SOL_SOCKET, SO_DOMAIN) != AF_UNIX ||
        int_option(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
        int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) != 1) {
        throw std::runtime_error("systemd socket " + name + " (fd " + std::to_string(fd) +
                                 ") is not a listening AF_UNIX stream socket (use "
                                 "ListenStream= with Accept=no in the .socket unit)");
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl(" + std::to_string(fd) + ", F_SETFD)");
}

}  // namespace

SystemdSockets SystemdSockets::from_environment() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || std::strtol(pid, nullptr, 10) != getpid() ||
        std::strtol(fds, nullptr, 10) < 1) {
        throw std::runtime_error(
            "--systemd-socket: no socket was passed (LISTEN_PID/LISTEN_FDS missing or meant for "
            "another process); start bro-server from a systemd .socket unit or "
            "systemd-socket-activate");
    }
    const auto count = static_cast<std::size_t>(std::strtol(fds, nullptr, 10));
    const auto names = split_names(std::getenv("LISTEN_FDNAMES"), count);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    SystemdSockets sockets;
    for (std::size_t i = 0; i < count; ++i) {
        sockets.sockets_.push_back({names[i], UniqueFd(kFirstSystemdFd + static_cast<int>(i))});
    }
    for (const auto& passed : sockets.sockets_)
        check_listening_stream(passed.fd.get(), passed.name);
    return sockets;
}

Listener SystemdSockets::take(const std::string& tool) {
    const auto found = std::find_if(sockets_.begin(), sockets_.end(), [&](const Passed& passed) {
        return passed.fd && (tool.empty() || passed.name == tool);
    });
    if (found == sockets_.end()) {
        std::string names;
        for (const auto& passed : sockets_) names += (names.empty() ? "" : ", ") + passed.name;
        throw std::runtime_error(
            tool.empty() ? "--systemd-socket: every socket systemd passed is taken"
                         : "tool " + tool + " wants the systemd socket named " + tool +
                               ", but systemd passed " + names +
                               " (set FileDescriptorName=" + tool + " in its .socket unit)");
    }
    const int number = found->fd.get();
    return Listener::adopt(std::move(found->fd),
                           "systemd socket " + (found->name.empty() ? "" : found->name + " ") +
                               "(fd " + std::to_string(number) + ")");
}

std::vector<std::string> SystemdSockets::close_unused() {
    std::vector<std::string> closed;
    for (auto& passed : sockets_) {
        if (!passed.fd) continue;
        closed.push_back(passed.name);
        passed.fd.reset();
    }
    return closed;
}

bool Listener::refuse_descriptors() {
    constexpr int kSoPassRights = 83;  // Linux 6.16; not in Debian 12's headers
    const int off = 0;
    return setsockopt(fd_.get(), SOL_SOCKET, kSoPassRights, &off, sizeof off) == 0;
}

Listener::~Listener() {
    if (!owned_path_.empty() && fd_) unlink(owned_path_.c_str());
}

}  // namespace bro::server
