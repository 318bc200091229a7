#include "bench/e2e/route.hpp"

#include <array>
#include <cstddef>

namespace bro::e2e {
namespace {

struct RouteSpec {
    bool fd_server = false;
    const char* socket_suffix = "";
    const char* mode = "";  // BRO_TRANSFER_MODE; empty: unset (auto)
};

// Indexed by Route.
constexpr std::array<RouteSpec, 5> kRoutes = {{
    {},
    {false, "", "content"},
    {true, "", "fd"},
    {false, "", ""},
    {false, ".absent", "content"},
}};

}  // namespace

std::vector<std::string> route_settings(Route route, const Endpoints& e) {
    const RouteSpec& spec = kRoutes[static_cast<std::size_t>(route)];
    std::vector<std::string> settings = {
        "BRO_SOCKET_PATH=" + (spec.fd_server ? e.fd_socket : e.content_socket) +
        spec.socket_suffix};
    if (*spec.mode) settings.push_back(std::string("BRO_TRANSFER_MODE=") + spec.mode);
    return settings;
}

}  // namespace bro::e2e
