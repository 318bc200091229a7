#pragma once
// The server's side of the frames that end an exchange: Exit, Error and ModeRejected (their
// decoders are reply_decoding.hpp, the client's side), and of Started.

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/exit_status.hpp"
#include "core/wire.hpp"

namespace bro::protocol {

// Exit frame: the one way a run ends once the request was accepted. `detail` says more about a
// run that never started ("execve /usr/bin/tool"); it is cut to max_message_bytes.
// `stdin_consumed`: the stdin bytes the program read, for a request with kRequestReportsStdin.
void encode_exit(const ExitStatus& status, std::string_view detail, std::vector<std::uint8_t>& out,
                 std::uint64_t stdin_consumed = kStdinConsumedUnknown);

// ModeRejected frame: one byte, the kAccepts* bits of the modes the server takes. A client
// that sent fd-passing may retry on a new connection in content mode (nothing was consumed).
void encode_mode_rejected(std::uint8_t accepted_modes, std::vector<std::uint8_t>& out);
// RetryHere frame (empty), sent right after a ModeRejected for an fd-passing Request when the
// server takes content mode: the client may send its content-mode Request on this connection.
void encode_retry_here(std::vector<std::uint8_t>& out);

// Started frame (empty): the program runs, for a request with kRequestWantsStarted.
void encode_started(std::vector<std::uint8_t>& out);

// Error frame: the server refused the request (policy, limits, malformed input). The run
// never started.
void encode_error(std::string_view message, std::vector<std::uint8_t>& out);

}  // namespace bro::protocol
