#pragma once
// The server's side of a Request: decoding and checking what a client sent. The protocol
// (docs/PROTOCOL.md) has one implementation in four mirrored halves: request_encoding (client)
// and request_decoding (server), reply_encoding (server) and reply_decoding (client), over
// wire.hpp's frames.
//
// A connection carries one invocation: Request, then (content mode) the file contents and
// stdin, while the server streams Stdout/Stderr back and ends with exactly one Exit, Error or
// ModeRejected frame.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/limits.hpp"
#include "core/wire.hpp"

namespace bro::protocol {

// One line for a refused frame header, for logs and Error frames.
std::string describe(const FrameHeaderError& error);

struct FileArgument {
    std::uint32_t argument_index = 0;
    std::uint32_t path_offset = 0;
    std::string basename;
    std::uint32_t same_as = kOwnFile;  // else the index of an earlier file argument, its own

    bool own_file() const { return same_as == kOwnFile; }
};

struct EnvironmentEntry {
    std::string name;
    std::string value;
};

// A decoded Request: owns its strings, since the receive buffer is reused.
struct Request {
    TransferMode mode = TransferMode::kContent;
    StdinMode stdin_mode = StdinMode::kNone;
    std::uint16_t umask = 022;
    bool carries_cwd = false;    // kRequestCarriesCwd: the last descriptor is the caller's cwd
    bool reports_stdin = false;  // kRequestReportsStdin
    bool wants_started = false;  // kRequestWantsStarted
    // kRequestWantsTerminal: run on a new pseudo-terminal of this initial size.
    std::optional<WindowSize> terminal;
    // kRequestCarriesTerminalModes: the caller's terminal settings, for the new terminal.
    std::optional<TerminalModes> terminal_modes;
    std::string cwd;
    std::vector<std::string> arguments;
    std::vector<EnvironmentEntry> environment;
    std::vector<FileArgument> files;
    // fd mode: the child numbers for the descriptors after the file arguments' ones.
    std::vector<std::uint32_t> forwarded_fds;

    // File arguments with content (or a descriptor) of their own.
    std::size_t distinct_files() const;
    // Descriptors a request of this shape carries: 0 in content mode; in fd mode stdin,
    // stdout, stderr, one per distinct file, one per forwarded fd and the working directory.
    std::size_t fd_count() const;
};

struct DecodeError {
    std::string message;
    // Set when the request is well formed but exceeds a configurable limit.
    std::optional<Limit> exceeded = {};
};
// Decodes a Request payload (without its frame header). Every count and length is checked
// against `limits`, the lengths must add up to the payload exactly, and file arguments must
// name distinct, existing arguments with an offset inside them.
std::variant<Request, DecodeError> decode_request(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits);

}  // namespace bro::protocol
