#pragma once
// BRO_FORWARD_FDS: extra descriptors the caller hands to the remote program by number, so
// `cmd 3<input` works as it would locally. Each listed fd goes over in fd-passing mode and the
// child gets it under the same number.
//
// Validate before the client opens anything of its own (socket, file arguments, /dev/null):
// then every fd found open is one the caller gave us, never one of ours that happens to have
// the listed number.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "client/diagnostics.hpp"

namespace bro::client {

// Parses `list` ("3,5"; spaces and empty items are ignored) into fd numbers, each from 3 to
// ProtocolLimits::max_forwarded_fd_number, distinct, at most max_forwarded_fds of them, and
// open in this process. Returns nullopt after one error line saying what to fix.
std::optional<std::vector<std::uint32_t>> read_forwarded_fds(std::string_view list,
                                                             const Diagnostics& diagnostics);

}  // namespace bro::client
