#include "core/request_decoding.hpp"

#include <algorithm>
#include <optional>

#include "core/byte_codec.hpp"

namespace bro::protocol {
namespace {

DecodeError exceeds(Limit limit, std::string message) {
    return DecodeError{std::move(message), limit};
}

}  // namespace

std::string describe(const FrameHeaderError& error) {
    using Reason = FrameHeaderError::Reason;
    switch (error.reason) {
        case Reason::kTruncated:
            return "truncated frame header";
        case Reason::kUnknownType:
            return "unknown frame type " + std::to_string(error.type);
        case Reason::kTooLong:
            return "frame of type " + std::to_string(error.type) + " is " +
                   std::to_string(error.length) + " bytes, limit " + std::to_string(error.limit);
    }
    return "malformed frame header";
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
        return exceeds(Limit::kArguments, "too many arguments: " + std::to_string(count) +
                                              ", limit " + std::to_string(limits.max_arguments));
    }
    out.arguments.reserve(std::min<std::size_t>(count, r.remaining() / 4));
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        // Bounded by the payload (already within max_request_bytes), then by the limit, so the
        // refusal can say which argument and how long.
        const auto argument = r.string(r.remaining());
        if (argument.size() > limits.max_argument_bytes) {
            return exceeds(Limit::kArgumentBytes, "argument " + std::to_string(i + 1) + " is " +
                                                      std::to_string(argument.size()) +
                                                      " bytes, limit " +
                                                      std::to_string(limits.max_argument_bytes));
        }
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
        return exceeds(Limit::kEnvironment,
                       "too many environment variables: " + std::to_string(count) + ", limit " +
                           std::to_string(limits.max_environment));
    }
    std::size_t total = 0;
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        const auto name = r.string(r.remaining());
        const auto value = r.string(r.remaining());
        total += name.size() + value.size();
        if (!r.ok()) break;
        if (!valid_env_name(name) || value.find('\0') != std::string_view::npos) {
            return DecodeError{"invalid environment variable name or value at index " +
                               std::to_string(i)};
        }
        if (total > limits.max_environment_bytes) {
            return exceeds(Limit::kEnvironmentBytes,
                           "environment variables take at least " + std::to_string(total) +
                               " bytes (names and values), limit " +
                               std::to_string(limits.max_environment_bytes));
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
        return exceeds(Limit::kFileArguments, "too many file arguments: " + std::to_string(count) +
                                                  ", limit " +
                                                  std::to_string(limits.max_file_arguments));
    }
    std::vector<bool> used(out.arguments.size(), false);
    for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
        FileArgument file;
        file.argument_index = r.u32();
        file.path_offset = r.u32();
        const auto basename = r.string(limits.max_path_bytes);
        file.same_as = r.u32();
        if (!r.ok()) break;
        if (!file.own_file() && (file.same_as >= i || !out.files[file.same_as].own_file())) {
            return DecodeError{"file argument " + std::to_string(i) +
                               " refers to a file argument that is not an earlier distinct one"};
        }
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

std::size_t Request::distinct_files() const {
    return static_cast<std::size_t>(
        std::count_if(files.begin(), files.end(), [](const auto& f) { return f.own_file(); }));
}

std::size_t Request::fd_count() const {
    if (mode != TransferMode::kFdPassing) return 0;
    return request_fd_count(distinct_files(), forwarded_fds.size(), carries_cwd);
}

std::variant<Request, DecodeError> decode_request(std::span<const std::uint8_t> payload,
                                                  const ProtocolLimits& limits) {
    if (payload.size() > limits.max_request_bytes) {
        return exceeds(Limit::kRequestBytes, "request is " + std::to_string(payload.size()) +
                                                 " bytes, limit " +
                                                 std::to_string(limits.max_request_bytes));
    }
    ByteReader r(payload);
    if (auto error = check_header(r)) return *error;
    Request request;
    const std::uint8_t mode = r.u8();
    const std::uint8_t stdin_mode = r.u8();
    request.umask = r.u16();
    const std::uint8_t flags = r.u8();
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
    constexpr std::uint8_t kKnownFlags = kRequestCarriesCwd | kRequestReportsStdin |
                                         kRequestWantsTerminal | kRequestCarriesTerminalModes |
                                         kRequestWantsStarted;
    if ((flags & ~kKnownFlags) != 0) {
        return DecodeError{"unknown request flags " + std::to_string(flags)};
    }
    request.carries_cwd = (flags & kRequestCarriesCwd) != 0;
    request.reports_stdin = (flags & kRequestReportsStdin) != 0;
    request.wants_started = (flags & kRequestWantsStarted) != 0;
    if (request.carries_cwd && request.mode != TransferMode::kFdPassing) {
        return DecodeError{"a working-directory descriptor needs fd-passing mode"};
    }
    if (request.reports_stdin &&
        (request.mode != TransferMode::kContent || request.stdin_mode != StdinMode::kStreamed)) {
        return DecodeError{"a stdin report needs content mode with streamed stdin"};
    }
    const bool wants_terminal = (flags & kRequestWantsTerminal) != 0;
    // The terminal's input is the streamed stdin, and the server must relay its output: that
    // is content mode. A terminal is never seekable, so a stdin report makes no sense with one.
    if (wants_terminal && (request.mode != TransferMode::kContent ||
                           request.stdin_mode != StdinMode::kStreamed || request.reports_stdin)) {
        return DecodeError{"a terminal needs content mode with streamed stdin and no stdin report"};
    }
    const bool carries_terminal_modes = (flags & kRequestCarriesTerminalModes) != 0;
    if (carries_terminal_modes && !wants_terminal) {
        return DecodeError{"terminal settings need a terminal session"};
    }
    request.cwd = std::string(r.string(limits.max_path_bytes));
    if (!r.ok() || request.cwd.find('\0') != std::string::npos) {
        return DecodeError{"malformed working directory"};
    }
    if (auto error = decode_arguments(r, request, limits)) return *error;
    if (auto error = decode_environment(r, request, limits)) return *error;
    if (auto error = decode_files(r, request, limits)) return *error;
    if (auto error = decode_forwarded_fds(r, request, limits)) return *error;
    if (wants_terminal) {
        const auto size = r.bytes(kWindowSizeBytes);
        if (!r.ok()) return DecodeError{"truncated terminal size"};
        request.terminal = decode_window_size(size.first<kWindowSizeBytes>());
    }
    if (carries_terminal_modes) {
        const auto modes = r.bytes(kTerminalModesBytes);
        if (!r.ok()) return DecodeError{"truncated terminal settings"};
        request.terminal_modes = decode_terminal_modes(modes.first<kTerminalModesBytes>());
    }
    if (!r.at_end()) return DecodeError{"request has trailing bytes"};
    if (request.fd_count() > limits.max_fds) {  // 0 outside fd mode
        return exceeds(Limit::kFds, "the request passes " + std::to_string(request.fd_count()) +
                                        " descriptors, limit " + std::to_string(limits.max_fds));
    }
    return request;
}

}  // namespace bro::protocol
