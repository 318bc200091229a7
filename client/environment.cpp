#include "client/environment.hpp"

namespace bro::client {

std::optional<std::string_view> Environment::find(std::string_view name) const {
    if (entries_ == nullptr || name.empty() || name.find('=') != std::string_view::npos) {
        return std::nullopt;
    }
    for (const char* const* entry = entries_; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (text.size() > name.size() && text[name.size()] == '=' && text.starts_with(name)) {
            return text.substr(name.size() + 1);
        }
    }
    return std::nullopt;
}

}  // namespace bro::client
