#pragma once
// Everything one run of the client works from, gathered in main() before any connection is
// made, so each transfer mode (and the fallback from one to the other) starts from the same
// inputs.

#include <cstdint>
#include <span>
#include <string_view>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"

namespace bro::client {

struct Invocation {
    const ClientConfig& config;
    std::span<const std::string_view> arguments;  // argv[1..]
    const Environment& environment;
    bool stdin_was_closed = false;                 // the caller gave no fd 0 at all
    std::span<const std::uint32_t> forwarded_fds;  // BRO_FORWARD_FDS, validated
    const Diagnostics& diagnostics;
    int signal_fd = -1;             // ForwardedSignals' signalfd, polled by the exchange; -1: none
    bool terminal_session = false;  // wants_terminal_session(): content mode, on a pty
};

}  // namespace bro::client
