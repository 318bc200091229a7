#include "client/control_frames.hpp"

#include <variant>

#include "client/exit_code.hpp"
#include "core/limits.hpp"
#include "core/reply_decoding.hpp"

namespace bro::client {
namespace {

// How the client ends for `status` (exit_code.hpp); explains a run that never started on
// stderr, with the server's `detail` ("execve /usr/bin/tool") when it sent one.
ExitOutcome exit_outcome_for(const ExitStatus& status, std::string_view detail,
                             const Diagnostics& diagnostics) {
    if (status.timed_out) {
        diagnostics.error("the program ran past the server's --timeout and was stopped");
        return ExitOutcome::exit_with(status.shell_code());
    }
    switch (status.kind) {
        case ExitStatus::Kind::kExited:
            diagnostics.debug("the program ", StatusDescription{status});
            break;
        case ExitStatus::Kind::kSignaled:
            diagnostics.debug("the program ", StatusDescription{status}, "; so is bro-client");
            // A parent then sees WIFSIGNALED and a shell 128+N, as for a local program.
            return ExitOutcome::die_by(status.code);
        case ExitStatus::Kind::kNotStarted:
            diagnostics.error("the server ", StatusDescription{status, detail});
            break;
    }
    return ExitOutcome::exit_with(status.shell_code());
}

}  // namespace

using protocol::FrameType;

bool is_control_frame(FrameType type) {
    return type == FrameType::kExit || type == FrameType::kError ||
           type == FrameType::kModeRejected;
}

void report_malformed_header(const protocol::FrameHeaderError& error,
                             const Diagnostics& diagnostics) {
    constexpr std::string_view kHint = "; are client and server the same version?";
    using Reason = protocol::FrameHeaderError::Reason;
    switch (error.reason) {
        case Reason::kTruncated:
            diagnostics.error("the server sent a truncated frame header", kHint);
            return;
        case Reason::kUnknownType:
            diagnostics.error("the server sent a frame of unknown type ", error.type, kHint);
            return;
        case Reason::kTooLong:
            diagnostics.error("the server sent a frame of type ", error.type, " of ", error.length,
                              " bytes, limit ", error.limit, kHint);
            return;
    }
}

ExitOutcome exit_outcome_for_frame(FrameType type, std::span<const std::uint8_t> payload,
                                   const Diagnostics& diagnostics, std::uint64_t* stdin_consumed) {
    if (type == FrameType::kError) {
        const auto decoded = protocol::decode_error(payload, ProtocolLimits{});
        if (const auto* message = std::get_if<std::string_view>(&decoded)) {
            diagnostics.error("the server refused the request: ", *message);
        } else {
            diagnostics.error("the server sent a malformed error frame: ",
                              std::get<protocol::MalformedReply>(decoded).what);
        }
        return kClientFailure;
    }
    const auto decoded = protocol::decode_exit(payload, ProtocolLimits{});
    if (const auto* error = std::get_if<protocol::MalformedReply>(&decoded)) {
        diagnostics.error("the server sent a malformed exit frame: ", error->what);
        return kClientFailure;
    }
    const auto& report = std::get<protocol::ExitReport>(decoded);
    if (stdin_consumed != nullptr) *stdin_consumed = report.stdin_consumed;
    return exit_outcome_for(report.status, report.detail, diagnostics);
}

std::optional<std::uint8_t> accepted_modes_of(std::span<const std::uint8_t> payload,
                                              const Diagnostics& diagnostics) {
    const auto decoded = protocol::decode_mode_rejected(payload);
    if (const auto* error = std::get_if<protocol::MalformedReply>(&decoded)) {
        diagnostics.error("the server sent a malformed frame: ", error->what,
                          "; are client and server the same version?");
        return std::nullopt;
    }
    return std::get<std::uint8_t>(decoded);
}

ExitOutcome report_mode_rejected(protocol::TransferMode sent, std::uint8_t accepted,
                                 std::string_view socket_path, const Diagnostics& diagnostics,
                                 bool terminal_session) {
    const bool sent_fd = sent == protocol::TransferMode::kFdPassing;
    const std::uint8_t sent_bit = sent_fd ? protocol::kAcceptsFdPassing : protocol::kAcceptsContent;
    if (terminal_session && !(accepted & sent_bit)) {
        diagnostics.error("the server at ", socket_path,
                          " accepts only fd-passing mode, which cannot give the program a "
                          "terminal of its own; set BRO_TTY=0 to run it without one");
    } else if (accepted & sent_bit) {
        // It refused the very mode it claims to accept: nothing the user can configure fixes
        // that, so say what happened.
        diagnostics.error("the server at ", socket_path, " rejected ",
                          sent_fd ? "fd-passing" : "content",
                          " mode although it says it accepts it; is the server misconfigured?");
    } else if (sent_fd) {
        diagnostics.error("the server at ", socket_path,
                          " does not accept fd-passing (it takes content mode); unset "
                          "BRO_TRANSFER_MODE or set it to auto");
    } else {
        diagnostics.error("the server at ", socket_path,
                          " accepts only fd-passing mode; unset BRO_TRANSFER_MODE or set it to "
                          "auto");
    }
    return kClientFailure;
}

}  // namespace bro::client
