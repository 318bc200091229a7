#pragma once
// The control group of the process at the other end of a connection, for the audit record:
// under systemd it names the caller's unit (user@1000.service/app.slice/foo.scope, a
// service), which says more than a pid. Read through SO_PEERPIDFD (Linux 6.5), so a pid reused
// after the caller died can never lend its cgroup: the pidfd is checked to be alive after the
// read.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace bro::server {

// The cgroup v2 path of the peer of `socket`, whose pid SO_PEERCRED gave as `pid`
// ("/user.slice/user-1000.slice/session-2.scope"), or empty when the kernel cannot say (no
// SO_PEERPIDFD, cgroup v1, the peer is gone).
std::string read_peer_cgroup(int socket, pid_t pid);

// The systemd unit a cgroup path ends in ("session-2.scope"), or empty.
std::string_view unit_of_cgroup(std::string_view cgroup);

}  // namespace bro::server
