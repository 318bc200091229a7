#pragma once
// The connection to bro-server: one AF_UNIX stream socket, by path or abstract name.

#include <string_view>

#include "client/diagnostics.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

// Connects to `socket_path` ("@name" names an abstract socket). The socket is blocking and
// close-on-exec; the relay uses MSG_DONTWAIT per call. On failure prints one line saying what
// to fix and returns an invalid fd.
UniqueFd connect_to_server(std::string_view socket_path, const Diagnostics& diagnostics);

}  // namespace bro::client
