// Each configurable limit (core/limits.hpp Limit): the decoder accepts a request exactly at
// it and refuses one just beyond it, saying which limit it was.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/request_decoding.hpp"
#include "core/request_encoding.hpp"

namespace bro::protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Shape {
    TransferMode mode = TransferMode::kContent;
    std::vector<std::string> arguments = {};
    std::vector<std::pair<std::string, std::string>> environment = {};
    std::size_t files = 0;  // the first `files` arguments are file arguments
    std::vector<std::uint32_t> forwarded_fds = {};
};

Bytes payload_of(const Shape& shape) {
    std::vector<std::string_view> arguments(shape.arguments.begin(), shape.arguments.end());
    std::vector<EnvironmentEntryView> environment;
    for (const auto& [name, value] : shape.environment) environment.push_back({name, value});
    std::vector<FileArgumentView> files;
    for (std::size_t i = 0; i < shape.files; ++i) {
        files.push_back({static_cast<std::uint32_t>(i), 0, "file"});  // names may repeat
    }
    RequestView view;
    view.mode = shape.mode;
    view.cwd = "/";
    view.arguments = arguments;
    view.environment = environment;
    view.files = files;
    view.forwarded_fds = shape.forwarded_fds;
    Bytes frame;
    encode_request(view, frame);
    return Bytes(frame.begin() + kFrameHeaderBytes, frame.end());
}

testing::AssertionResult accepted(const Shape& shape, const ProtocolLimits& limits) {
    const auto decoded = decode_request(payload_of(shape), limits);
    if (const auto* error = std::get_if<DecodeError>(&decoded)) {
        return testing::AssertionFailure() << "refused: " << error->message;
    }
    return testing::AssertionSuccess();
}

testing::AssertionResult refused_for(const Shape& shape, const ProtocolLimits& limits,
                                     Limit limit) {
    const auto decoded = decode_request(payload_of(shape), limits);
    const auto* error = std::get_if<DecodeError>(&decoded);
    if (error == nullptr) return testing::AssertionFailure() << "accepted";
    if (error->exceeded != limit) {
        return testing::AssertionFailure()
               << "refused without naming the limit: " << error->message;
    }
    if (error->message.find("limit") == std::string::npos) {
        return testing::AssertionFailure() << "message does not give the limit: " << error->message;
    }
    return testing::AssertionSuccess();
}

std::vector<std::string> arguments(std::size_t count) {
    return std::vector<std::string>(count, "a");
}

TEST(RequestLimits, ArgumentCountAtTheLimitPassesAndOneMoreIsRefused) {
    ProtocolLimits limits;
    limits.max_arguments = 3;
    EXPECT_TRUE(accepted({.arguments = arguments(3)}, limits));
    EXPECT_TRUE(refused_for({.arguments = arguments(4)}, limits, Limit::kArguments));
}

TEST(RequestLimits, ArgumentLengthAtTheLimitPassesAndOneMoreIsRefused) {
    ProtocolLimits limits;
    limits.max_argument_bytes = 10;
    EXPECT_TRUE(accepted({.arguments = {"x", std::string(10, 'a')}}, limits));
    EXPECT_TRUE(
        refused_for({.arguments = {"x", std::string(11, 'a')}}, limits, Limit::kArgumentBytes));
}

TEST(RequestLimits, EnvironmentCountAtTheLimitPassesAndOneMoreIsRefused) {
    ProtocolLimits limits;
    limits.max_environment = 2;
    EXPECT_TRUE(accepted({.environment = {{"A", "1"}, {"B", "2"}}}, limits));
    EXPECT_TRUE(refused_for({.environment = {{"A", "1"}, {"B", "2"}, {"C", "3"}}}, limits,
                            Limit::kEnvironment));
}

TEST(RequestLimits, EnvironmentBytesAtTheLimitPassAndOneMoreIsRefused) {
    ProtocolLimits limits;
    limits.max_environment_bytes = 10;  // names and values
    EXPECT_TRUE(accepted({.environment = {{"AB", "123"}, {"C", "4567"}}}, limits));
    EXPECT_TRUE(refused_for({.environment = {{"AB", "123"}, {"C", "45678"}}}, limits,
                            Limit::kEnvironmentBytes));
}

TEST(RequestLimits, FileArgumentCountAtTheLimitPassesAndOneMoreIsRefused) {
    ProtocolLimits limits;
    limits.max_file_arguments = 2;
    EXPECT_TRUE(accepted({.arguments = arguments(3), .files = 2}, limits));
    EXPECT_TRUE(
        refused_for({.arguments = arguments(3), .files = 3}, limits, Limit::kFileArguments));
}

TEST(RequestLimits, RequestBytesAtTheLimitPassAndOneMoreIsRefused) {
    const Shape shape{.arguments = {"hello"}};
    ProtocolLimits limits;
    limits.max_request_bytes = payload_of(shape).size();
    EXPECT_TRUE(accepted(shape, limits));
    --limits.max_request_bytes;
    EXPECT_TRUE(refused_for(shape, limits, Limit::kRequestBytes));
}

TEST(RequestLimits, FdCountAtTheLimitPassesAndOneMoreIsRefused) {
    // stdin, stdout, stderr and two files.
    const Shape shape{.mode = TransferMode::kFdPassing, .arguments = arguments(2), .files = 2};
    ProtocolLimits limits;
    limits.max_fds = 5;
    EXPECT_TRUE(accepted(shape, limits));
    limits.max_fds = 4;
    EXPECT_TRUE(refused_for(shape, limits, Limit::kFds));
}

TEST(RequestLimits, ReceiveBufferNeverExceedsMaxFds) {
    ProtocolLimits limits;
    limits.max_fds = 7;
    EXPECT_EQ(max_request_fds(limits), 7u);
    limits.max_fds = 1000;  // cannot go past what one message carries
    EXPECT_EQ(max_request_fds(limits), kMaxFdsPerMessage);
}

}  // namespace
}  // namespace bro::protocol
