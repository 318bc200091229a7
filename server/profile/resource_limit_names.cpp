#include "server/profile/resource_limit_names.hpp"

#include <array>
#include <charconv>

namespace bro::server::profile {
namespace {

struct ResourceName {
    std::string_view name;
    int resource;
};

constexpr std::array<ResourceName, 16> kResources = {{
    {"as", RLIMIT_AS},
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
}};

std::optional<rlim_t> parse_value(std::string_view text) {
    if (text == "unlimited" || text == "infinity") return RLIM_INFINITY;
    rlim_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<ResourceLimitSetting> parse_resource_limit(std::string_view text) {
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view name = text.substr(0, equals);
    const std::string_view values = text.substr(equals + 1);
    ResourceLimitSetting setting;
    bool known = false;
    for (const auto& entry : kResources) {
        if (entry.name == name) {
            setting.resource = entry.resource;
            known = true;
        }
    }
    if (!known) return std::nullopt;
    const auto colon = values.find(':');
    const auto soft = parse_value(values.substr(0, colon));
    const auto hard =
        colon == std::string_view::npos ? soft : parse_value(values.substr(colon + 1));
    if (!soft || !hard || *soft > *hard) return std::nullopt;
    setting.limit = {*soft, *hard};
    return setting;
}

std::string resource_name(int resource) {
    for (const auto& entry : kResources) {
        if (entry.resource == resource) return std::string(entry.name);
    }
    return "resource " + std::to_string(resource);
}

std::string limit_value_text(rlim_t value) {
    return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

}  // namespace bro::server::profile
