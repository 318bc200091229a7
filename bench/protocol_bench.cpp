// Micro-benchmarks of the wire protocol (core/request_*.hpp, core/reply_*.hpp): encoding and decoding a request,
// frame headers and exit frames. These run once per invocation (requests, exit frames) or once
// per data chunk (headers), so they only need to stay far below the ~0.5 ms a process start
// costs; the numbers here show by how much.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/exit_status.hpp"
#include "core/limits.hpp"
#include "core/reply_decoding.hpp"
#include "core/reply_encoding.hpp"
#include "core/request_decoding.hpp"
#include "core/request_encoding.hpp"

namespace {

using namespace bro;
using namespace bro::protocol;

// Owns the strings a RequestView points at.
struct RequestFixture {
    std::vector<std::string> argument_storage;
    std::vector<std::string_view> arguments;
    std::vector<EnvironmentEntryView> environment;
    std::string cwd = "/home/user/projects/example/build";
    RequestView view;

    explicit RequestFixture(std::size_t argument_count) {
        argument_storage.reserve(argument_count);
        for (std::size_t i = 0; i < argument_count; ++i) {
            argument_storage.push_back(i % 3 == 0 ? "--option-" + std::to_string(i)
                                                  : "some/relative/path/file" + std::to_string(i) +
                                                        ".txt");
        }
        arguments.assign(argument_storage.begin(), argument_storage.end());
        environment = {{"LANG", "C.UTF-8"},
                       {"USERDIR_USER", "alice"},
                       {"PATH", "/usr/local/bin:/usr/bin:/bin"}};
        view.mode = TransferMode::kContent;
        view.stdin_mode = StdinMode::kStreamed;
        view.cwd = cwd;
        view.arguments = arguments;
        view.environment = environment;
    }

    std::vector<std::uint8_t> encoded() const {
        std::vector<std::uint8_t> out;
        encode_request(view, out);
        return out;
    }
};

void encode_request_bench(benchmark::State& state) {
    const RequestFixture fixture(static_cast<std::size_t>(state.range(0)));
    std::vector<std::uint8_t> out;
    std::size_t bytes = 0;
    for (auto _ : state) {
        out.clear();
        encode_request(fixture.view, out);
        benchmark::DoNotOptimize(out.data());
        bytes += out.size();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["frame_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(encode_request_bench)
    ->Name("protocol/encode_request")
    ->ArgName("args")
    ->Arg(10)
    ->Arg(1000);

void decode_request_bench(benchmark::State& state) {
    const RequestFixture fixture(static_cast<std::size_t>(state.range(0)));
    const auto frame = fixture.encoded();
    const auto payload = std::span(frame).subspan(kFrameHeaderBytes);
    const ProtocolLimits limits;
    for (auto _ : state) {
        auto decoded = decode_request(payload, limits);
        if (!std::holds_alternative<Request>(decoded)) {
            state.SkipWithError("decode_request failed");
            break;
        }
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(decode_request_bench)
    ->Name("protocol/decode_request")
    ->ArgName("args")
    ->Arg(10)
    ->Arg(1000);

void encode_frame_header_bench(benchmark::State& state) {
    std::uint32_t length = 0;
    for (auto _ : state) {
        auto header = encode_frame_header(FrameType::kStdout, length);
        benchmark::DoNotOptimize(header);
        length = (length + 4093) & 0x1ffff;
    }
}
BENCHMARK(encode_frame_header_bench)->Name("protocol/encode_frame_header");

void decode_frame_header_bench(benchmark::State& state) {
    const auto header = encode_frame_header(FrameType::kStdout, 128 << 10);
    const ProtocolLimits limits;
    for (auto _ : state) {
        benchmark::DoNotOptimize(header.data());
        auto decoded = decode_frame_header(header, limits);
        benchmark::DoNotOptimize(decoded);
    }
}
BENCHMARK(decode_frame_header_bench)->Name("protocol/decode_frame_header");

void encode_exit_bench(benchmark::State& state) {
    const ExitStatus status = ExitStatus::exited(3);
    std::vector<std::uint8_t> out;
    for (auto _ : state) {
        out.clear();
        encode_exit(status, {}, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(encode_exit_bench)->Name("protocol/encode_exit");

void decode_exit_bench(benchmark::State& state) {
    std::vector<std::uint8_t> frame;
    encode_exit(ExitStatus::signaled(9, false), {}, frame);
    const auto payload = std::span(frame).subspan(kFrameHeaderBytes);
    const ProtocolLimits limits;
    for (auto _ : state) {
        auto decoded = decode_exit(payload, limits);
        benchmark::DoNotOptimize(decoded);
    }
}
BENCHMARK(decode_exit_bench)->Name("protocol/decode_exit");

}  // namespace
