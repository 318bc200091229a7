// libFuzzer target: the server's first contact with untrusted bytes, a frame header and a
// Request payload (core/wire.cpp decode_frame_header, core/request_decoding.cpp decode_request).
//
// Input: a whole frame as a client sends it, header included (the seeds are real encoder
// output). The header is decoded as the server does; the rest is decoded as a Request under
// the default limits and under tight ones, so the limit checks are reached by small inputs.
//
// Invariants beyond "no crash, no sanitizer report":
// - the encoding is canonical: a payload that decodes re-encodes to exactly the same bytes;
// - an accepted request respects every limit it was decoded under.

#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "core/request_decoding.hpp"
#include "core/request_encoding.hpp"

namespace {

using namespace bro;
using namespace bro::protocol;

ProtocolLimits tight_limits() {
    ProtocolLimits limits;
    limits.max_request_bytes = 256;
    limits.max_arguments = 4;
    limits.max_argument_bytes = 16;
    limits.max_environment = 3;
    limits.max_environment_bytes = 24;
    limits.max_file_arguments = 3;
    limits.max_forwarded_fds = 2;
    limits.max_forwarded_fd_number = 9;
    limits.max_path_bytes = 12;
    return limits;
}

void fail(const char* invariant) {
    std::fprintf(stderr, "request_decoder_fuzzer: invariant broken: %s\n", invariant);
    std::abort();
}

// The payload an accepted Request encodes to, through the client's own encoder.
std::vector<std::uint8_t> reencode(const Request& request) {
    std::vector<std::string_view> arguments(request.arguments.begin(), request.arguments.end());
    std::vector<EnvironmentEntryView> environment;
    for (const auto& entry : request.environment) environment.push_back({entry.name, entry.value});
    std::vector<FileArgumentView> files;
    for (const auto& file : request.files) {
        files.push_back({file.argument_index, file.path_offset, file.basename, file.same_as});
    }
    RequestView view;
    view.mode = request.mode;
    view.stdin_mode = request.stdin_mode;
    view.umask = request.umask;
    view.cwd = request.cwd;
    view.arguments = arguments;
    view.environment = environment;
    view.files = files;
    view.forwarded_fds = request.forwarded_fds;
    view.flags = static_cast<std::uint8_t>((request.carries_cwd ? kRequestCarriesCwd : 0) |
                                           (request.reports_stdin ? kRequestReportsStdin : 0) |
                                           (request.wants_started ? kRequestWantsStarted : 0));
    view.terminal = request.terminal;
    view.terminal_modes = request.terminal_modes;
    std::vector<std::uint8_t> frame;
    encode_request(view, frame);
    if (frame.size() != encoded_request_size(view)) fail("encoded_request_size disagrees");
    frame.erase(frame.begin(), frame.begin() + kFrameHeaderBytes);
    return frame;
}

void check_within(const Request& request, const ProtocolLimits& limits) {
    if (request.cwd.size() > limits.max_path_bytes) fail("cwd above max_path_bytes");
    if (request.arguments.size() > limits.max_arguments) fail("argc above max_arguments");
    for (const auto& argument : request.arguments) {
        if (argument.size() > limits.max_argument_bytes) fail("argument above its limit");
    }
    std::size_t environment_bytes = 0;
    for (const auto& entry : request.environment) {
        environment_bytes += entry.name.size() + entry.value.size();
    }
    if (request.environment.size() > limits.max_environment ||
        environment_bytes > limits.max_environment_bytes) {
        fail("environment above its limits");
    }
    if (request.files.size() > limits.max_file_arguments) fail("too many file arguments");
    for (const auto& file : request.files) {
        if (file.argument_index >= request.arguments.size() ||
            file.path_offset >= request.arguments[file.argument_index].size()) {
            fail("file argument outside the arguments");
        }
    }
    if (request.forwarded_fds.size() > limits.max_forwarded_fds) fail("too many forwarded fds");
}

void decode_payload(std::span<const std::uint8_t> payload, const ProtocolLimits& limits) {
    auto decoded = decode_request(payload, limits);
    const auto* request = std::get_if<Request>(&decoded);
    if (request == nullptr) {
        if (std::get<DecodeError>(decoded).message.empty()) fail("an error without a message");
        return;
    }
    check_within(*request, limits);
    const auto again = reencode(*request);
    if (again.size() != payload.size() ||
        !std::equal(again.begin(), again.end(), payload.begin())) {
        fail("decode then encode does not give back the payload");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const ProtocolLimits limits;
    const auto header = decode_frame_header(input, limits);
    if (const auto* error = std::get_if<FrameHeaderError>(&header)) {
        if (describe(*error).empty()) fail("a header error without a description");
    }
    if (size < kFrameHeaderBytes) return 0;
    const auto payload = input.subspan(kFrameHeaderBytes);
    decode_payload(payload, limits);
    decode_payload(payload, tight_limits());
    return 0;
}
