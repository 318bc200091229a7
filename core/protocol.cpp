#include "core/protocol.hpp"

#include <algorithm>

#include "core/byte_codec.hpp"

namespace bro::protocol {
namespace {

bool is_known(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::kRequest:
        case FrameType::kFileData:
        case FrameType::kFileEnd:
        case FrameType::kStdinData:
        case FrameType::kStdinEnd:
        case FrameType::kStdout:
        case FrameType::kStderr:
        case FrameType::kExit:
        case FrameType::kError:
        case FrameType::kModeRejected:
            return true;
    }
    return false;
}

std::size_t max_payload(FrameType type, const ProtocolLimits& limits) {
    switch (type) {
        case FrameType::kRequest:
            return limits.max_request_bytes;
        case FrameType::kFileEnd:
        case FrameType::kStdinEnd:
            return 0;
        case FrameType::kModeRejected:
            return 1;
        case FrameType::kExit:
        case FrameType::kError:
            return limits.max_message_bytes + 64;
        default:
            return kMaxDataFrameBytes;
    }
}

// Encodes a frame whose payload is produced by `fill`, patching the length afterwards so the
// payload is written once, in place.
template <typename Fill>
void encode_frame(FrameType type, std::vector<std::uint8_t>& out, Fill&& fill) {
    const std::size_t start = out.size();
    out.resize(start + kFrameHeaderBytes);
    ByteWriter writer(out);
    fill(writer);
    const auto header = encode_frame_header(
        type, static_cast<std::uint32_t>(out.size() - start - kFrameHeaderBytes));
    std::copy(header.begin(), header.end(), out.begin() + static_cast<std::ptrdiff_t>(start));
}

std::string truncated(std::string_view s, std::size_t max) {
    return std::string(s.substr(0, max));
}

}  // namespace

HeaderBytes encode_frame_header(FrameType type, std::uint32_t length) {
    return {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(length >> 24),
            static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length)};
}

std::variant<FrameHeader, FrameHeaderError> decode_frame_header(std::span<const std::uint8_t> bytes,
                                                                const ProtocolLimits& limits) {
    if (bytes.size() < kFrameHeaderBytes) return FrameHeaderError{"truncated frame header"};
    if (!is_known(bytes[0])) {
        return FrameHeaderError{"unknown frame type " + std::to_string(bytes[0])};
    }
    const auto type = static_cast<FrameType>(bytes[0]);
    const std::uint32_t length = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                                 (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
    if (length > max_payload(type, limits)) {
        return FrameHeaderError{"frame of type " + std::to_string(bytes[0]) + " is " +
                                std::to_string(length) + " bytes, limit " +
                                std::to_string(max_payload(type, limits))};
    }
    return FrameHeader{type, length};
}

void encode_request(const RequestView& request, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kRequest, out, [&](ByteWriter& w) {
        for (auto b : kMagic) w.u8(b);
        w.u8(kVersion);
        w.u8(static_cast<std::uint8_t>(request.mode));
        w.u8(static_cast<std::uint8_t>(request.stdin_mode));
        w.u16(request.umask);
        w.string(request.cwd);
        w.u32(static_cast<std::uint32_t>(request.arguments.size()));
        for (auto argument : request.arguments) w.string(argument);
        w.u32(static_cast<std::uint32_t>(request.environment.size()));
        for (const auto& entry : request.environment) {
            w.string(entry.name);
            w.string(entry.value);
        }
        w.u32(static_cast<std::uint32_t>(request.files.size()));
        for (const auto& file : request.files) {
            w.u32(file.argument_index);
            w.u32(file.path_offset);
            w.string(file.basename);
        }
        w.u32(static_cast<std::uint32_t>(request.forwarded_fds.size()));
        for (auto target : request.forwarded_fds) w.u32(target);
    });
}

namespace {

std::optional<DecodeError> check_header(ByteReader& r) {
    std::array<std::uint8_t, 3> magic{};
    for (auto& b : magic) b = r.u8();
    const std::uint8_t version = r.u8();
    if (!r.ok()) return DecodeError{"truncated request"};
    if (magic != kMagic) return DecodeError{"not a bro request (bad magic)"};
    if (version != kVersion) {
        return DecodeError{"protocol version " + std::to_string(version) +
                           " is not supported (this server speaks version " +
                           std::to_string(kVersion) + "); use matching client and server"};
    }
    return std::nullopt;
}

std::optional<DecodeError> decode_arguments(ByteReader& r, Request& out,
                                            const ProtocolLimits& limits) {
    const std::uint32_t count = r.u32();
    if (count > limits.max_arguments) {
        return DecodeError{"too many arguments: " + std::to_string(count) + ", limit " +
                           std::to_string(limits.max_arguments)};
    }
    out.arguments.reserve(std::min<std::size_t>(count, r.remaining() / 4));
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        const auto argument = r.string(limits.max_argument_bytes);
        if (argument.find('\0') != std::string_view::npos) {
            return DecodeError{"argument " + std::to_string(i) + " contains a NUL byte"};
        }
        out.arguments.emplace_back(argument);
    }
    if (!r.ok()) return DecodeError{"malformed or oversized argument list"};
    return std::nullopt;
}

bool valid_env_name(std::string_view name) {
    return !name.empty() && name.find('=') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

std::optional<DecodeError> decode_environment(ByteReader& r, Request& out,
                                              const ProtocolLimits& limits) {
    const std::uint32_t count = r.u32();
    if (count > limits.max_environment) {
        return DecodeError{"too many environment variables: " + std::to_string(count) + ", limit " +
                           std::to_string(limits.max_environment)};
    }
    std::size_t total = 0;
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        const auto name = r.string(limits.max_environment_bytes);
        const auto value = r.string(limits.max_environment_bytes);
        total += name.size() + value.size();
        if (!r.ok()) break;
        if (!valid_env_name(name) || value.find('\0') != std::string_view::npos) {
            return DecodeError{"invalid environment variable name or value at index " +
                               std::to_string(i)};
        }
        if (total > limits.max_environment_bytes) {
            return DecodeError{"environment exceeds " +
                               std::to_string(limits.max_environment_bytes) + " bytes"};
        }
        out.environment.push_back({std::string(name), std::string(value)});
    }
    if (!r.ok()) return DecodeError{"malformed environment list"};
    return std::nullopt;
}

bool valid_basename(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::optional<DecodeError> decode_files(ByteReader& r, Request& out, const ProtocolLimits& limits) {
    const std::uint32_t count = r.u32();
    if (count > limits.max_file_arguments) {
        return DecodeError{"too many file arguments: " + std::to_string(count) + ", limit " +
                           std::to_string(limits.max_file_arguments)};
    }
    std::vector<bool> used(out.arguments.size(), false);
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        FileArgument file;
        file.argument_index = r.u32();
        file.path_offset = r.u32();
        const auto basename = r.string(limits.max_path_bytes);
        if (!r.ok()) break;
        if (file.argument_index >= out.arguments.size() || used[file.argument_index] ||
            file.path_offset >= out.arguments[file.argument_index].size()) {
            return DecodeError{"file argument " + std::to_string(i) +
                               " does not name a distinct argument"};
        }
        if (!valid_basename(basename)) {
            return DecodeError{"file argument " + std::to_string(i) + " has an invalid name"};
        }
        used[file.argument_index] = true;
        file.basename = std::string(basename);
        out.files.push_back(std::move(file));
    }
    if (!r.ok()) return DecodeError{"malformed file argument list"};
    return std::nullopt;
}

std::optional<DecodeError> decode_forwarded_fds(ByteReader& r, Request& out,
                                                const ProtocolLimits& limits) {
    const std::uint32_t count = r.u32();
    if (count > limits.max_forwarded_fds) {
        return DecodeError{"too many forwarded fds: " + std::to_string(count) + ", limit " +
                           std::to_string(limits.max_forwarded_fds)};
    }
    if (count > 0 && out.mode != TransferMode::kFdPassing) {
        return DecodeError{"forwarded fds need fd-passing mode"};
    }
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        const std::uint32_t target = r.u32();
        const bool duplicate = std::find(out.forwarded_fds.begin(), out.forwarded_fds.end(),
                                         target) != out.forwarded_fds.end();
        if (r.ok() && (target < 3 || target > limits.max_forwarded_fd_number || duplicate)) {
            return DecodeError{"forwarded fd " + std::to_string(target) +
                               " is not a distinct number from 3 to " +
                               std::to_string(limits.max_forwarded_fd_number)};
        }
        out.forwarded_fds.push_back(target);
    }
    if (!r.ok()) return DecodeError{"malformed forwarded fd list"};
    return std::nullopt;
}

}  // namespace

std::variant<Request, DecodeError> decode_request(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits) {
    if (payload.size() > limits.max_request_bytes) {
        return DecodeError{"request is " + std::to_string(payload.size()) + " bytes, limit " +
                           std::to_string(limits.max_request_bytes)};
    }
    ByteReader r(payload);
    if (auto error = check_header(r)) return *error;
    Request request;
    const std::uint8_t mode = r.u8();
    const std::uint8_t stdin_mode = r.u8();
    request.umask = r.u16();
    if (!r.ok()) return DecodeError{"truncated request"};
    if (mode > static_cast<std::uint8_t>(TransferMode::kFdPassing)) {
        return DecodeError{"unknown transfer mode " + std::to_string(mode)};
    }
    if (stdin_mode > static_cast<std::uint8_t>(StdinMode::kStreamed)) {
        return DecodeError{"unknown stdin mode " + std::to_string(stdin_mode)};
    }
    request.mode = static_cast<TransferMode>(mode);
    request.stdin_mode = static_cast<StdinMode>(stdin_mode);
    if (request.umask > 0777) return DecodeError{"umask out of range"};
    request.cwd = std::string(r.string(limits.max_path_bytes));
    if (!r.ok() || request.cwd.find('\0') != std::string::npos) {
        return DecodeError{"malformed working directory"};
    }
    if (auto error = decode_arguments(r, request, limits)) return *error;
    if (auto error = decode_environment(r, request, limits)) return *error;
    if (auto error = decode_files(r, request, limits)) return *error;
    if (auto error = decode_forwarded_fds(r, request, limits)) return *error;
    if (!r.at_end()) return DecodeError{"request has trailing bytes"};
    return request;
}

void encode_exit(const ExitStatus& status, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kExit, out, [&](ByteWriter& w) {
        w.u8(static_cast<std::uint8_t>(status.kind));
        w.i32(status.code);
        w.u8(status.core_dumped ? 1 : 0);
        w.u8(static_cast<std::uint8_t>(status.failed_step));
        w.i32(status.error_number);
        w.string(truncated(status.message, ProtocolLimits{}.max_message_bytes));
    });
}

std::variant<ExitStatus, DecodeError> decode_exit(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits) {
    ByteReader r(payload);
    ExitStatus status;
    const std::uint8_t kind = r.u8();
    status.code = r.i32();
    const std::uint8_t core = r.u8();
    const std::uint8_t step = r.u8();
    status.error_number = r.i32();
    status.message = std::string(r.string(limits.max_message_bytes));
    if (!r.at_end() || kind > static_cast<std::uint8_t>(ExitStatus::Kind::kNotStarted) ||
        core > 1 || step > static_cast<std::uint8_t>(SpawnStep::kPrepare)) {
        return DecodeError{"malformed exit report"};
    }
    status.kind = static_cast<ExitStatus::Kind>(kind);
    status.core_dumped = core == 1;
    status.failed_step = static_cast<SpawnStep>(step);
    const bool code_valid = status.kind == ExitStatus::Kind::kExited
                                ? (status.code >= 0 && status.code <= 255)
                                : (status.code >= 0 && status.code < 128);
    if (!code_valid) return DecodeError{"exit report has an out-of-range code"};
    return status;
}

void encode_mode_rejected(std::uint8_t accepted_modes, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kModeRejected, out, [&](ByteWriter& w) { w.u8(accepted_modes); });
}

std::variant<std::uint8_t, DecodeError> decode_mode_rejected(
    std::span<const std::uint8_t> payload) {
    ByteReader r(payload);
    const std::uint8_t modes = r.u8();
    if (!r.at_end() || modes == 0 || modes > (kAcceptsContent | kAcceptsFdPassing)) {
        return DecodeError{"malformed mode rejection"};
    }
    return modes;
}

void encode_error(std::string_view message, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kError, out, [&](ByteWriter& w) {
        w.string(truncated(message, ProtocolLimits{}.max_message_bytes));
    });
}

std::variant<std::string, DecodeError> decode_error(std::span<const std::uint8_t> payload,
                                                    const ProtocolLimits& limits) {
    ByteReader r(payload);
    const auto message = r.string(limits.max_message_bytes);
    if (!r.at_end()) return DecodeError{"malformed error frame"};
    return std::string(message);
}

}  // namespace bro::protocol
