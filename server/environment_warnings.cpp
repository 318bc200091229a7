#include "server/environment_warnings.hpp"

#include <algorithm>
#include <utility>

#include "core/dangerous_env.hpp"
#include "core/env_policy.hpp"

namespace bro::server {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::vector<std::string> environment_warnings(const ServerConfig& config) {
    std::vector<std::string> warnings;
    for (const auto& name : config.allowed_env) {
        const auto* dangerous = find_dangerous_env(name);
        if (dangerous == nullptr || contains(config.allow_dangerous_env, name)) continue;
        warnings.push_back("--allowed-env names " + name + ", which is dangerous (" +
                           std::string(dangerous->why) + "): a forwarded " + name +
                           " is dropped; add --allow-dangerous-env " + name + " to let it pass");
    }
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"--allowed-env", &config.allowed_env}, {"--inherit-env", &config.inherit_env}};
    for (const auto& [flag, names] : lists) {
        for (const auto& name : *names) {
            if (!is_server_set_env(name)) continue;
            warnings.push_back(std::string(flag) + " names " + name +
                               ", which only the server sets (the caller's identity): ignored");
        }
    }
    for (const auto& name : config.allow_dangerous_env) {
        const auto* dangerous = find_dangerous_env(name);
        if (dangerous == nullptr) {
            warnings.push_back("--allow-dangerous-env " + name +
                               ": not on the dangerous list, so it changes nothing");
        } else if (!contains(config.allowed_env, name)) {
            warnings.push_back("--allow-dangerous-env " + name + " changes nothing without " +
                               "--allowed-env " + name);
        } else {
            warnings.push_back("--allow-dangerous-env " + name + ": callers can set " + name +
                               " for the program (" + std::string(dangerous->why) + ")");
        }
    }
    return warnings;
}

}  // namespace bro::server
