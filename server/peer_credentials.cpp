#include "server/peer_credentials.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace bro::server {
namespace {

std::vector<gid_t> read_peer_groups(int socket) {
    // Linux caps supplementary groups at NGROUPS_MAX (65536); start small, grow once on ERANGE
    // (the kernel then reports the size it needs).
    std::vector<gid_t> groups(64);
    for (;;) {
        auto length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (getsockopt(socket, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) == 0) {
            groups.resize(length / sizeof(gid_t));
            return groups;
        }
        if (errno != ERANGE || length <= groups.size() * sizeof(gid_t)) {
            throw std::system_error(errno, std::system_category(), "getsockopt(SO_PEERGROUPS)");
        }
        groups.resize(length / sizeof(gid_t));
    }
}

}  // namespace

PeerCredentials read_peer_credentials(int socket, bool with_groups) {
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        throw std::system_error(errno, std::system_category(), "getsockopt(SO_PEERCRED)");
    }
    PeerCredentials peer{credentials.pid, credentials.uid, credentials.gid};
    if (with_groups) peer.groups = read_peer_groups(socket);
    return peer;
}

std::string describe(const PeerCredentials& peer) {
    return "pid " + std::to_string(peer.pid) + " uid " + std::to_string(peer.uid) + " gid " +
           std::to_string(peer.gid);
}

}  // namespace bro::server
