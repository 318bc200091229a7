#include "core/reply_decoding.hpp"

#include "core/byte_codec.hpp"
#include "core/wire.hpp"

namespace bro::protocol {

std::variant<ExitReport, MalformedReply> decode_exit(std::span<const std::uint8_t> payload,
                                                     const ProtocolLimits& limits) {
    ByteReader r(payload);
    ExitReport report;
    ExitStatus& status = report.status;
    const std::uint8_t kind = r.u8();
    status.code = r.i32();
    const std::uint8_t core = r.u8();
    const std::uint8_t step = r.u8();
    status.error_number = r.i32();
    report.detail = r.string(limits.max_message_bytes);
    report.stdin_consumed = r.u64();
    const std::uint8_t timed_out = r.u8();
    if (!r.at_end() || kind > static_cast<std::uint8_t>(ExitStatus::Kind::kNotStarted) ||
        core > 1 || !is_spawn_step(step) || timed_out > 1) {
        return MalformedReply{"malformed exit report"};
    }
    status.kind = static_cast<ExitStatus::Kind>(kind);
    status.core_dumped = core == 1;
    status.timed_out = timed_out == 1;
    status.failed_step = static_cast<SpawnStep>(step);
    const bool code_valid = status.kind == ExitStatus::Kind::kExited
                                ? (status.code >= 0 && status.code <= 255)
                                : (status.code >= 0 && status.code < 128);
    if (!code_valid) return MalformedReply{"exit report has an out-of-range code"};
    return report;
}

std::variant<std::uint8_t, MalformedReply> decode_mode_rejected(
    std::span<const std::uint8_t> payload) {
    ByteReader r(payload);
    const std::uint8_t modes = r.u8();
    if (!r.at_end() || modes == 0 || modes > (kAcceptsContent | kAcceptsFdPassing)) {
        return MalformedReply{"malformed mode rejection"};
    }
    return modes;
}

std::variant<std::string_view, MalformedReply> decode_error(std::span<const std::uint8_t> payload,
                                                            const ProtocolLimits& limits) {
    ByteReader r(payload);
    const auto message = r.string(limits.max_message_bytes);
    if (!r.at_end()) return MalformedReply{"malformed error frame"};
    return message;
}

}  // namespace bro::protocol
