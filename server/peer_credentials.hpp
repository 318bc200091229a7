#pragma once
// Who is on the other end of an accepted connection, as the kernel recorded it at connect()
// time (SO_PEERCRED, SO_PEERGROUPS): the caller cannot forge it, only choose its own
// credentials before connecting.

#include <sys/types.h>

#include <string>
#include <vector>

namespace bro::server {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    // Supplementary groups, read only when asked (an extra system call per connection).
    std::vector<gid_t> groups = {};
};

// Reads SO_PEERCRED, and SO_PEERGROUPS (Linux 4.13) when `with_groups`. Throws
// std::system_error naming the option when the kernel refuses.
PeerCredentials read_peer_credentials(int socket, bool with_groups);

// "pid 12 uid 1000 gid 1000", for log lines.
std::string describe(const PeerCredentials& peer);

}  // namespace bro::server
