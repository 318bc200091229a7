#include "core/reply_encoding.hpp"

#include "core/frame_encoding.hpp"
#include "core/limits.hpp"

namespace bro::protocol {
namespace {

std::string_view truncated(std::string_view s, std::size_t max) {
    return s.substr(0, max);
}

}  // namespace

void encode_exit(const ExitStatus& status, std::string_view detail, std::vector<std::uint8_t>& out,
                 std::uint64_t stdin_consumed) {
    encode_frame(FrameType::kExit, out, [&](ByteWriter& w) {
        w.u8(static_cast<std::uint8_t>(status.kind));
        w.i32(status.code);
        w.u8(status.core_dumped ? 1 : 0);
        w.u8(static_cast<std::uint8_t>(status.failed_step));
        w.i32(status.error_number);
        w.string(truncated(detail, ProtocolLimits{}.max_message_bytes));
        w.u64(stdin_consumed);
        w.u8(status.timed_out ? 1 : 0);
    });
}

void encode_mode_rejected(std::uint8_t accepted_modes, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kModeRejected, out, [&](ByteWriter& w) { w.u8(accepted_modes); });
}

void encode_retry_here(std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kRetryHere, out, [](ByteWriter&) {});
}

void encode_started(std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kStarted, out, [](ByteWriter&) {});
}

void encode_error(std::string_view message, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kError, out, [&](ByteWriter& w) {
        w.string(truncated(message, ProtocolLimits{}.max_message_bytes));
    });
}

}  // namespace bro::protocol
