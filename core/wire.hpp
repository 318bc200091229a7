#pragma once
// The frame layer of bro's wire protocol, version 1 (docs/PROTOCOL.md): frame types, transfer
// modes and the 5-byte frame header. Every frame is u8 type, u32 big-endian payload length,
// payload.
//
// This header and the other client-side ones (request_encoding.hpp, reply_decoding.hpp) use no
// std::string, no exceptions and no locale: bro-client builds them against musl without
// libstdc++'s library (client/CMakeLists.txt).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

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
    kSignal = 0x06,      // one byte: a signal for the program's process group (after the request)
    kWindowSize = 0x07,  // a terminal session's new size (WindowSize, kWindowSizeBytes)
    // server -> client
    kStdout = 0x81,
    kStderr = 0x82,
    kExit = 0x83,
    kError = 0x84,
    kModeRejected = 0x85,  // the server does not accept the request's transfer mode
    // Empty, right after a ModeRejected: the server reads one more Request, in content mode, on
    // this same connection (a client that reconnects instead just closes it).
    kRetryHere = 0x86,
    kStarted = 0x87,  // empty: the program runs (asked for with kRequestWantsStarted)
};

// The frame type's name as docs/PROTOCOL.md spells it ("StdinData"), for messages.
const char* frame_name(FrameType type);

enum class TransferMode : std::uint8_t { kContent = 0, kFdPassing = 1 };

// Bits of a ModeRejected frame's payload: the modes the server does accept.
inline constexpr std::uint8_t kAcceptsContent = 1;
inline constexpr std::uint8_t kAcceptsFdPassing = 2;

// The signals a client may forward (kSignal), so a connection can do no more than a terminal
// could to its own program.
bool is_forwardable_signal(int signal);

// Bits of a Request's flags byte.
// fd mode: one more descriptor follows the forwarded ones, an O_PATH descriptor of the
// caller's working directory, which the child fchdir()s to.
inline constexpr std::uint8_t kRequestCarriesCwd = 1;
// Content mode with streamed stdin: the caller's stdin is a seekable file, so the Exit frame
// should say how many stdin bytes the program consumed (the client then sets its file offset
// there, as if the program had read the file itself).
inline constexpr std::uint8_t kRequestReportsStdin = 2;
// Content mode with streamed stdin: run the program on a new pseudo-terminal (its controlling
// terminal), whose initial size follows the request's last field. stdin travels as
// StdinData into the terminal, and everything the program writes comes back as Stdout.
inline constexpr std::uint8_t kRequestWantsTerminal = 4;
// With kRequestWantsTerminal only: the caller's terminal settings (TerminalModes) follow the
// window size, so the program's terminal starts as the caller's was (its erase character,
// IUTF8 for line editing of UTF-8, ...), not with the kernel's defaults.
inline constexpr std::uint8_t kRequestCarriesTerminalModes = 8;
// Either mode: send a Started frame once the program runs. Until then the client may end the
// call on SIGINT or SIGTERM instead of forwarding it (the server then never runs it); after
// it, signals go to the program.
inline constexpr std::uint8_t kRequestWantsStarted = 16;

// A terminal's size as TIOCGWINSZ reports it (struct winsize): the Request of a terminal
// session ends with one, and each WindowSize frame carries one.
struct WindowSize {
    std::uint16_t rows = 0;
    std::uint16_t columns = 0;
    std::uint16_t x_pixels = 0;
    std::uint16_t y_pixels = 0;

    bool operator==(const WindowSize&) const = default;
};
inline constexpr std::size_t kWindowSizeBytes = 8;
using WindowSizeBytes = std::array<std::uint8_t, kWindowSizeBytes>;
// Big-endian rows, columns, x pixels, y pixels: a WindowSize payload, and the Request's tail.
WindowSizeBytes encode_window_size(const WindowSize& size);
// Decodes exactly kWindowSizeBytes (the caller checks the length).
WindowSize decode_window_size(std::span<const std::uint8_t, kWindowSizeBytes> bytes);

// A terminal's settings as tcgetattr reports them (struct termios), without the line
// discipline; the server keeps the pseudo-terminal's own line speed (in c_cflag's CBAUD bits),
// which means nothing there. Client and server run on one kernel, so the flag bits and the
// position of each control character are that kernel's.
inline constexpr std::size_t kTerminalControlCharacters = 19;  // Linux's NCCS for the kernel
struct TerminalModes {
    std::uint32_t input_flags = 0;                                                 // c_iflag
    std::uint32_t output_flags = 0;                                                // c_oflag
    std::uint32_t control_flags = 0;                                               // c_cflag
    std::uint32_t local_flags = 0;                                                 // c_lflag
    std::array<std::uint8_t, kTerminalControlCharacters> control_characters = {};  // c_cc

    bool operator==(const TerminalModes&) const = default;
};
inline constexpr std::size_t kTerminalModesBytes = 4 * 4 + kTerminalControlCharacters;
using TerminalModesBytes = std::array<std::uint8_t, kTerminalModesBytes>;
// The four flag words big-endian, then the control characters: the Request's last field when
// kRequestCarriesTerminalModes is set.
TerminalModesBytes encode_terminal_modes(const TerminalModes& modes);
TerminalModes decode_terminal_modes(std::span<const std::uint8_t, kTerminalModesBytes> bytes);

// An Exit frame's stdin_consumed when the server does not know it (not asked, or fd mode).
inline constexpr std::uint64_t kStdinConsumedUnknown = ~std::uint64_t{0};

// A file argument's `same_as` when it names a file of its own (not one named earlier).
inline constexpr std::uint32_t kOwnFile = 0xFFFFFFFF;

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

// Why a header was refused, with the numbers a message needs; the caller words it (the server
// with std::string, the client with its own small formatter).
struct FrameHeaderError {
    enum class Reason : std::uint8_t { kTruncated, kUnknownType, kTooLong };
    Reason reason = Reason::kTruncated;
    std::uint8_t type = 0;
    std::uint32_t length = 0;
    std::size_t limit = 0;
};

// The largest payload a frame of `type` may have under `limits`.
std::size_t max_payload(FrameType type, const ProtocolLimits& limits);

// Fails on a short header, an unknown type or a length above that type's bound (a request above
// limits.max_request_bytes, a data frame above kMaxDataFrameBytes, ...).
std::variant<FrameHeader, FrameHeaderError> decode_frame_header(std::span<const std::uint8_t> bytes,
                                                                const ProtocolLimits& limits);

}  // namespace bro::protocol
