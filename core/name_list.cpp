#include "core/name_list.hpp"

namespace bro {

std::vector<std::string_view> split_name_list(std::string_view list) {
    std::vector<std::string_view> names;
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) names.push_back(item);
    }
    return names;
}

}  // namespace bro
