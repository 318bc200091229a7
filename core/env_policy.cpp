#include "core/env_policy.hpp"

#include <algorithm>

namespace bro {
namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view name_of(std::string_view assignment) {
    return assignment.substr(0, assignment.find('='));
}

}  // namespace

bool EnvPolicy::allows_forwarded(std::string_view name) const {
    return why_refused(name).empty();
}

std::string EnvPolicy::why_refused(std::string_view name) const {
    if (!contains(allowed_, name)) return "not in --allowed-env";
    if (is_server_set_env(name)) return "only the server sets BRO_PEER_* variables";
    if (contains(dangerous_allowed_, name)) return {};
    const DangerousEnvName* dangerous = find_dangerous_env(name);
    if (dangerous == nullptr) return {};
    return "dangerous: " + std::string(dangerous->why) + "; --allow-dangerous-env " +
           std::string(name) + " lets it pass";
}

std::vector<std::string> EnvPolicy::build_child_environment(
    std::span<const protocol::EnvironmentEntry> forwarded, const char* const* server_environment,
    const std::function<void(std::string_view name)>& on_refused) const {
    std::vector<std::string> result;
    for (const auto& entry : forwarded) {
        if (!allows_forwarded(entry.name)) {
            if (on_refused) on_refused(entry.name);
            continue;
        }
        const bool duplicate = std::any_of(result.begin(), result.end(),
                                           [&](const auto& s) { return name_of(s) == entry.name; });
        if (!duplicate) result.push_back(entry.name + "=" + entry.value);
    }
    for (auto it = server_environment; it && *it; ++it) {
        const std::string_view assignment = *it;
        const auto name = name_of(assignment);
        if (!contains(inherited_, name) || is_server_set_env(name)) continue;
        const bool overridden = std::any_of(result.begin(), result.end(),
                                            [&](const auto& s) { return name_of(s) == name; });
        if (!overridden) result.emplace_back(assignment);
    }
    return result;
}

}  // namespace bro
