#include "core/file_arguments.hpp"

namespace bro {
namespace {

bool is_long_flag(std::string_view flag) {
    return flag.starts_with("--");
}

// How `argument` uses `flag`: not at all, as "-C"/"--file" (value in the next argument), or
// with the value attached ("-Cx", "--file=x"), returning the offset of the value.
enum class FlagUse { kNone, kSeparateValue, kAttachedValue };
FlagUse match_flag(std::string_view argument, std::string_view flag, std::uint32_t& offset) {
    if (argument == flag) return FlagUse::kSeparateValue;
    if (!argument.starts_with(flag)) return FlagUse::kNone;
    if (is_long_flag(flag)) {
        if (argument[flag.size()] != '=') return FlagUse::kNone;
        offset = static_cast<std::uint32_t>(flag.size() + 1);
    } else {
        offset = static_cast<std::uint32_t>(flag.size());
    }
    return FlagUse::kAttachedValue;
}

bool usable_path(std::string_view path) {
    return !path.empty() && path != "-";
}

}  // namespace

std::vector<FileArgumentCandidate> find_file_argument_candidates(
    std::span<const std::string_view> arguments, const FileArgumentRules& rules) {
    std::vector<FileArgumentCandidate> candidates;
    bool value_expected = false;
    bool options_ended = false;
    for (std::uint32_t i = 0; i < arguments.size(); ++i) {
        const std::string_view argument = arguments[i];
        auto add = [&](std::uint32_t offset) {
            const auto path = argument.substr(offset);
            if (usable_path(path)) candidates.push_back({i, offset, path});
        };
        if (value_expected) {
            value_expected = false;
            add(0);
            continue;
        }
        if (!options_ended && argument == "--") {
            options_ended = true;
            continue;
        }
        if (options_ended || !argument.starts_with('-')) {
            if (rules.positional_paths) add(0);
            continue;
        }
        for (const auto flag : rules.flags) {
            std::uint32_t offset = 0;
            const FlagUse use =
                flag.size() > 1 ? match_flag(argument, flag, offset) : FlagUse::kNone;
            if (use == FlagUse::kSeparateValue) value_expected = true;
            if (use == FlagUse::kAttachedValue) add(offset);
            if (use != FlagUse::kNone) break;
        }
    }
    return candidates;
}

std::string_view path_basename(std::string_view path) {
    const auto slash = path.rfind('/');
    const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    return (name == "." || name == "..") ? std::string_view{} : name;
}

}  // namespace bro
