#pragma once
// The connection to bro-server: one AF_UNIX stream socket, by path or abstract name.

#include <cstdint>
#include <string_view>

#include "client/diagnostics.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

// Connects to `socket_path` ("@name" names an abstract socket). The socket is close-on-exec and
// non-blocking: every later send and receive either waits in poll() or, in the relay, goes on
// with other work, so no step after connect() can block unseen.
//
// A server that does not accept (stopped with SIGSTOP, hung, or overwhelmed) lets its listen
// queue fill up, and a blocking connect() would then wait for room forever. Here connect()
// fails at once with EAGAIN instead, and only then is the wait bounded: at most
// `timeout_seconds`, after which one line says the server is not accepting connections.
//
// On failure prints one line saying what to fix and returns an invalid fd.
UniqueFd connect_to_server(std::string_view socket_path, std::uint32_t timeout_seconds,
                           const Diagnostics& diagnostics);

// Waits until the non-blocking `socket` is ready for `events` (an error or a hang-up counts as
// ready: the next call reports it). Returns 0, or poll()'s errno.
int wait_until_ready(int socket, short events);

}  // namespace bro::client
