#pragma once
// The client's side of the frames that end an exchange: Exit, Error and ModeRejected. The
// results point into the payload they were decoded from. Client-safe (wire.hpp).

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "core/exit_status.hpp"
#include "core/limits.hpp"
#include "core/wire.hpp"

namespace bro::protocol {

// A reply that does not follow the protocol; `what` is static text.
struct MalformedReply {
    const char* what;
};

// An Exit frame: how the run ended and, for a run that never started, the server's detail
// (for example "execve /usr/bin/tool"); the errno travels in the status.
struct ExitReport {
    ExitStatus status;
    std::string_view detail;
    // Stdin bytes the program consumed, when the request asked (kRequestReportsStdin).
    std::uint64_t stdin_consumed = kStdinConsumedUnknown;
};
std::variant<ExitReport, MalformedReply> decode_exit(std::span<const std::uint8_t> payload,
                                                     const ProtocolLimits& limits);

// ModeRejected: the kAccepts* bits of the modes the server takes.
std::variant<std::uint8_t, MalformedReply> decode_mode_rejected(
    std::span<const std::uint8_t> payload);

// Error: why the server refused the request (the run never started).
std::variant<std::string_view, MalformedReply> decode_error(std::span<const std::uint8_t> payload,
                                                            const ProtocolLimits& limits);

}  // namespace bro::protocol
