#pragma once
// Comma-separated lists as used by BRO_FORWARD_ENV, BRO_FILE_FLAGS, --allowed-env, ...

#include <string_view>
#include <vector>

namespace bro {

// Splits on ',' and drops empty items and surrounding spaces: "A, B,,C" -> {A, B, C}.
std::vector<std::string_view> split_name_list(std::string_view list);

}  // namespace bro
