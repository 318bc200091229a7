#pragma once
// Which server a bro run talks to, and in which mode: the BRO_* settings of a bro arm,
// whichever way bro-client then receives them (environment, wrapper script, wrapper file).

#include <string>
#include <vector>

namespace bro::e2e {

// kNone: a run without bro (direct, or the s6 peer). kAuto leaves BRO_TRANSFER_MODE unset
// against the content-only server; kAbsent names a socket that does not exist.
enum class Route { kNone, kContent, kFd, kAuto, kAbsent };

// What the bro arms point at.
struct Endpoints {
    std::string client;          // the #! and exec lines name it: absolute for the latency arms
    std::string content_socket;  // content-only server
    std::string fd_socket;       // --fd-passing server
    std::string s6_socket;       // s6-ipcserver + s6-sudod; empty where no arm uses the peer
};

// BRO_SOCKET_PATH and, unless the route is kAuto, BRO_TRANSFER_MODE, as NAME=value lines.
std::vector<std::string> route_settings(Route route, const Endpoints& e);

}  // namespace bro::e2e
