#pragma once
// Which arguments may name files whose content the client sends (content mode) or whose
// descriptor it passes (fd mode). Pure string logic: the client decides afterwards, by opening
// each candidate, whether it really is a regular file.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace bro {

struct FileArgumentRules {
    // Flags whose value is a path, dashes included: "-C" matches "-C x" and "-Cx"; "--file"
    // matches "--file x" and "--file=x".
    std::vector<std::string_view> flags;
    // Also consider every non-flag argument (BRO_FILE_ARGS).
    bool positional_paths = false;
};

struct FileArgumentCandidate {
    std::uint32_t argument_index;
    std::uint32_t path_offset;  // where the path starts inside the argument
    std::string_view path;
};

std::vector<FileArgumentCandidate> find_file_argument_candidates(
    std::span<const std::string_view> arguments, const FileArgumentRules& rules);

// The last path component, or an empty view when there is none ("dir/" or "/").
std::string_view path_basename(std::string_view path);

}  // namespace bro
