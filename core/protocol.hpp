#pragma once
// bro wire protocol, version 1. docs/PROTOCOL.md is the specification; this header is its
// single implementation, shared by client and server.
//
// Every frame: u8 type, u32 big-endian payload length, payload. A connection carries one
// invocation: Request, then (content mode) the file contents and stdin, while the server
// streams Stdout/Stderr back and ends with exactly one Exit or Error frame.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/exit_status.hpp"
#include "core/limits.hpp"

namespace bro::protocol {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::array<std::uint8_t, 3> kMagic = {'B', 'R', 'O'};
inline constexpr std::size_t kFrameHeaderBytes = 5;

enum class FrameType : std::uint8_t {
    // client -> server
    kRequest = 0x01,
    kFileData = 0x02,  // content of the current file argument, in order
    kFileEnd = 0x03,   // the current file argument is complete
    kStdinData = 0x04,
    kStdinEnd = 0x05,
    // server -> client
    kStdout = 0x81,
    kStderr = 0x82,
    kExit = 0x83,
    kError = 0x84,
    kModeRejected = 0x85,  // the server does not accept the request's transfer mode
};

enum class TransferMode : std::uint8_t { kContent = 0, kFdPassing = 1 };

// Bits of a ModeRejected frame's payload: the modes the server does accept.
inline constexpr std::uint8_t kAcceptsContent = 1;
inline constexpr std::uint8_t kAcceptsFdPassing = 2;
enum class StdinMode : std::uint8_t {
    kNone = 0,      // the child reads /dev/null
    kStreamed = 1,  // StdinData frames follow the file contents, ended by StdinEnd
};

struct FrameHeader {
    FrameType type;
    std::uint32_t length;
};

using HeaderBytes = std::array<std::uint8_t, kFrameHeaderBytes>;

HeaderBytes encode_frame_header(FrameType type, std::uint32_t length);
// Fails on an unknown type or a length above that type's bound (a request above
// limits.max_request_bytes, a data frame above kMaxDataFrameBytes, ...).
struct FrameHeaderError {
    std::string message;
};
std::variant<FrameHeader, FrameHeaderError> decode_frame_header(std::span<const std::uint8_t> bytes,
                                                                const ProtocolLimits& limits);

// A file argument: argument `argument_index` (0 = first argument after the program) names a
// file from byte `path_offset` on ("--file=x" has offset 7, "-Cx" offset 2, "x" offset 0).
// Its content follows the request as FileData frames ended by FileEnd, in request order.
struct FileArgument {
    std::uint32_t argument_index = 0;
    std::uint32_t path_offset = 0;
    std::string basename;  // kept so tools that look at the extension still work
};

struct EnvironmentEntry {
    std::string name;
    std::string value;
};

struct Request {
    TransferMode mode = TransferMode::kContent;
    StdinMode stdin_mode = StdinMode::kNone;
    std::uint16_t umask = 022;
    std::string cwd;
    std::vector<std::string> arguments;
    std::vector<EnvironmentEntry> environment;
    std::vector<FileArgument> files;
    // fd mode: the child numbers for the descriptors after the file arguments' ones.
    std::vector<std::uint32_t> forwarded_fds;
};

// Views over the client's own memory, so encoding copies each byte once.
struct FileArgumentView {
    std::uint32_t argument_index;
    std::uint32_t path_offset;
    std::string_view basename;
};
struct EnvironmentEntryView {
    std::string_view name;
    std::string_view value;
};
struct RequestView {
    TransferMode mode = TransferMode::kContent;
    StdinMode stdin_mode = StdinMode::kNone;
    std::uint16_t umask = 022;
    std::string_view cwd;
    std::span<const std::string_view> arguments;
    std::span<const EnvironmentEntryView> environment;
    std::span<const FileArgumentView> files;
    std::span<const std::uint32_t> forwarded_fds = {};
};

// Appends a complete Request frame (header included) to `out`.
void encode_request(const RequestView& request, std::vector<std::uint8_t>& out);

struct DecodeError {
    std::string message;
};
// Decodes a Request payload (without its frame header). Every count and length is checked
// against `limits`, the lengths must add up to the payload exactly, and file arguments must
// name distinct, existing arguments with an offset inside them.
std::variant<Request, DecodeError> decode_request(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits);

// Exit frame: the one way a run ends once the request was accepted.
void encode_exit(const ExitStatus& status, std::vector<std::uint8_t>& out);
std::variant<ExitStatus, DecodeError> decode_exit(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits);

// ModeRejected frame: one byte, the kAccepts* bits of the modes the server takes. A client
// that sent fd-passing may retry on a new connection in content mode (nothing was consumed).
void encode_mode_rejected(std::uint8_t accepted_modes, std::vector<std::uint8_t>& out);
std::variant<std::uint8_t, DecodeError> decode_mode_rejected(std::span<const std::uint8_t> payload);

// Error frame: the server refused the request (policy, limits, malformed input). The run
// never started.
void encode_error(std::string_view message, std::vector<std::uint8_t>& out);
std::variant<std::string, DecodeError> decode_error(std::span<const std::uint8_t> payload,
                                                    const ProtocolLimits& limits);

}  // namespace bro::protocol
