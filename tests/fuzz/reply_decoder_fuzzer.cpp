// libFuzzer target: the client's decoders for the frames that end an exchange
// (core/reply_decoding.cpp: Exit, Error, ModeRejected), which read whatever a server sends.
//
// Input: a whole frame, header included (the seeds are real encoder output). The header is
// decoded as the client does; the rest goes through all three payload decoders.
//
// Invariants beyond "no crash, no sanitizer report": an accepted Exit or Error payload
// re-encodes through the server's encoder to exactly the same bytes, and an accepted exit
// status is one a real run can have.

#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/reply_decoding.hpp"
#include "core/reply_encoding.hpp"

namespace {

using namespace bro;
using namespace bro::protocol;

void fail(const char* invariant) {
    std::fprintf(stderr, "reply_decoder_fuzzer: invariant broken: %s\n", invariant);
    std::abort();
}

bool same(const std::vector<std::uint8_t>& frame, std::span<const std::uint8_t> payload) {
    return frame.size() == payload.size() + kFrameHeaderBytes &&
           std::equal(payload.begin(), payload.end(), frame.begin() + kFrameHeaderBytes);
}

void decode_exit_payload(std::span<const std::uint8_t> payload, const ProtocolLimits& limits) {
    const auto decoded = decode_exit(payload, limits);
    const auto* report = std::get_if<ExitReport>(&decoded);
    if (report == nullptr) return;
    const int shell = report->status.shell_code();
    if (shell < 0 || shell > 255) fail("an exit report with a shell code outside 0..255");
    std::vector<std::uint8_t> frame;
    encode_exit(report->status, report->detail, frame, report->stdin_consumed);
    if (!same(frame, payload)) fail("Exit: decode then encode does not give back the payload");
}

void decode_error_payload(std::span<const std::uint8_t> payload, const ProtocolLimits& limits) {
    const auto decoded = decode_error(payload, limits);
    const auto* message = std::get_if<std::string_view>(&decoded);
    if (message == nullptr) return;
    std::vector<std::uint8_t> frame;
    encode_error(*message, frame);
    if (!same(frame, payload)) fail("Error: decode then encode does not give back the payload");
}

void decode_mode_rejected_payload(std::span<const std::uint8_t> payload) {
    const auto decoded = decode_mode_rejected(payload);
    const auto* modes = std::get_if<std::uint8_t>(&decoded);
    if (modes == nullptr) return;
    std::vector<std::uint8_t> frame;
    encode_mode_rejected(*modes, frame);
    if (!same(frame, payload)) fail("ModeRejected: decode then encode differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const ProtocolLimits limits;
    (void)decode_frame_header(input, limits);
    if (size < kFrameHeaderBytes) return 0;
    const auto payload = input.subspan(kFrameHeaderBytes);
    decode_exit_payload(payload, limits);
    decode_error_payload(payload, limits);
    decode_mode_rejected_payload(payload);
    return 0;
}
