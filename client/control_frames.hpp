#pragma once
// The frames that end an exchange: Exit (the program ran), Error (the server refused the
// request) and ModeRejected (the server does not take the request's transfer mode). Shared by
// the content-mode relay and the fd-passing exchange, so both report them the same way.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "client/diagnostics.hpp"
#include "client/exit_code.hpp"
#include "core/wire.hpp"

namespace bro::client {

// True for the frame types handled here.
bool is_control_frame(protocol::FrameType type);

// Reports a frame header that does not follow the protocol (likely a version mismatch).
void report_malformed_header(const protocol::FrameHeaderError& error,
                             const Diagnostics& diagnostics);

// Exit frame: how the client ends for the program's status (exit_code.hpp).
// Error frame: says why the server refused, kClientFailure.
// Any malformed payload: says so, kClientFailure.
// `stdin_consumed`, when given, receives the Exit frame's count of stdin bytes the program read
// (kStdinConsumedUnknown when the server did not report one).
ExitOutcome exit_outcome_for_frame(protocol::FrameType type, std::span<const std::uint8_t> payload,
                                   const Diagnostics& diagnostics,
                                   std::uint64_t* stdin_consumed = nullptr);

// The kAccepts* bits of a ModeRejected payload, or nullopt after reporting it malformed.
std::optional<std::uint8_t> accepted_modes_of(std::span<const std::uint8_t> payload,
                                              const Diagnostics& diagnostics);

// The server at `socket_path` refused `sent` and takes `accepted` instead, and the client may
// not switch (BRO_TRANSFER_MODE insists, this was already the fallback, or a terminal session
// needs content mode): one line saying what to change. Returns kClientFailure.
ExitOutcome report_mode_rejected(protocol::TransferMode sent, std::uint8_t accepted,
                                 std::string_view socket_path, const Diagnostics& diagnostics,
                                 bool terminal_session = false);

}  // namespace bro::client
