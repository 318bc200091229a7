#include "server/privilege_warnings.hpp"

namespace bro::server {

std::vector<std::string> privilege_warnings(const ServerConfig& config, uid_t effective_uid) {
    std::vector<std::string> warnings;
    if (effective_uid == 0 && !config.run_as && !config.run_as_peer) {
        warnings.push_back(
            "bro-server runs as root without --user or --as-peer, so it runs programs as root: "
            "any path a caller passes (a file argument it cannot read itself is passed on as "
            "text) is opened with root's rights; give --user NAME or --as-peer, or run the "
            "server as an unprivileged user");
    }
    return warnings;
}

}  // namespace bro::server
