#include "client/environment.hpp"

namespace bro::client {
namespace {

// The value if `entry` is "name=value".
std::optional<std::string_view> value_if_named(std::string_view entry, std::string_view name) {
    if (entry.size() > name.size() && entry[name.size()] == '=' && entry.starts_with(name)) {
        return entry.substr(name.size() + 1);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Environment::find(std::string_view name) const {
    if (name.empty() || name.find('=') != std::string_view::npos) return std::nullopt;
    for (std::string_view entry : overrides_) {
        if (auto value = value_if_named(entry, name)) return value;
    }
    if (entries_ == nullptr) return std::nullopt;
    for (const char* const* entry = entries_; *entry != nullptr; ++entry) {
        if (auto value = value_if_named(*entry, name)) return value;
    }
    return std::nullopt;
}

}  // namespace bro::client
