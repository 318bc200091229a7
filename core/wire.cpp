#include "core/wire.hpp"

#include "core/byte_codec.hpp"

#include <csignal>

namespace bro::protocol {
namespace {

// nullptr for a type this protocol version does not define.
const char* known_name(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::kRequest:
            return "Request";
        case FrameType::kFileData:
            return "FileData";
        case FrameType::kFileEnd:
            return "FileEnd";
        case FrameType::kStdinData:
            return "StdinData";
        case FrameType::kStdinEnd:
            return "StdinEnd";
        case FrameType::kSignal:
            return "Signal";
        case FrameType::kWindowSize:
            return "WindowSize";
        case FrameType::kStdout:
            return "Stdout";
        case FrameType::kStderr:
            return "Stderr";
        case FrameType::kExit:
            return "Exit";
        case FrameType::kError:
            return "Error";
        case FrameType::kModeRejected:
            return "ModeRejected";
        case FrameType::kRetryHere:
            return "RetryHere";
        case FrameType::kStarted:
            return "Started";
    }
    return nullptr;
}

bool is_known(std::uint8_t type) {
    return known_name(type) != nullptr;
}

}  // namespace

const char* frame_name(FrameType type) {
    const char* name = known_name(static_cast<std::uint8_t>(type));
    return name != nullptr ? name : "unknown";
}

bool is_forwardable_signal(int signal) {
    switch (signal) {
        case SIGINT:
        case SIGTERM:
        case SIGHUP:
        case SIGQUIT:
        case SIGUSR1:
        case SIGUSR2:
        case SIGCONT:
        case SIGTSTP:
        case SIGWINCH:
            return true;
        default:
            return false;
    }
}

std::size_t max_payload(FrameType type, const ProtocolLimits& limits) {
    switch (type) {
        case FrameType::kRequest:
            return limits.max_request_bytes;
        case FrameType::kFileEnd:
        case FrameType::kStdinEnd:
        case FrameType::kRetryHere:
        case FrameType::kStarted:
            return 0;
        case FrameType::kModeRejected:
        case FrameType::kSignal:
            return 1;
        case FrameType::kWindowSize:
            return kWindowSizeBytes;
        case FrameType::kExit:
        case FrameType::kError:
            return limits.max_message_bytes + 64;  // the fixed fields take 24 bytes
        default:
            return kMaxDataFrameBytes;
    }
}

HeaderBytes encode_frame_header(FrameType type, std::uint32_t length) {
    return {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(length >> 24),
            static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length)};
}

WindowSizeBytes encode_window_size(const WindowSize& size) {
    WindowSizeBytes bytes{};
    std::size_t at = 0;
    for (const std::uint16_t value : {size.rows, size.columns, size.x_pixels, size.y_pixels}) {
        bytes[at++] = static_cast<std::uint8_t>(value >> 8);
        bytes[at++] = static_cast<std::uint8_t>(value);
    }
    return bytes;
}

WindowSize decode_window_size(std::span<const std::uint8_t, kWindowSizeBytes> bytes) {
    ByteReader r(bytes);
    return {r.u16(), r.u16(), r.u16(), r.u16()};  // braced: evaluated left to right
}

TerminalModesBytes encode_terminal_modes(const TerminalModes& modes) {
    TerminalModesBytes bytes{};
    std::size_t at = 0;
    for (const std::uint32_t flags :
         {modes.input_flags, modes.output_flags, modes.control_flags, modes.local_flags}) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes[at++] = static_cast<std::uint8_t>(flags >> shift);
        }
    }
    for (const std::uint8_t character : modes.control_characters) bytes[at++] = character;
    return bytes;
}

TerminalModes decode_terminal_modes(std::span<const std::uint8_t, kTerminalModesBytes> bytes) {
    ByteReader r(bytes);
    TerminalModes modes{r.u32(), r.u32(), r.u32(), r.u32(), {}};  // braced: left to right
    for (auto& character : modes.control_characters) character = r.u8();
    return modes;
}

std::variant<FrameHeader, FrameHeaderError> decode_frame_header(std::span<const std::uint8_t> bytes,
                                                                const ProtocolLimits& limits) {
    using Reason = FrameHeaderError::Reason;
    if (bytes.size() < kFrameHeaderBytes) return FrameHeaderError{};
    if (!is_known(bytes[0])) return FrameHeaderError{Reason::kUnknownType, bytes[0], 0, 0};
    const auto type = static_cast<FrameType>(bytes[0]);
    const std::uint32_t length = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                                 (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
    const std::size_t limit = max_payload(type, limits);
    if (length > limit) return FrameHeaderError{Reason::kTooLong, bytes[0], length, limit};
    return FrameHeader{type, length};
}

}  // namespace bro::protocol
