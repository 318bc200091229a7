// Each configurable limit (core/limits.hpp Limit): the decoder accepts a request exactly at
// it and refuses one just beyond it, saying which limit it was, by how much and its value.

#include <gtest/gtest.h>

#include <ostream>
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

// Refused for `limit`, with a message containing `refusal` (which gives the limit's value).
testing::AssertionResult refused_for(const Shape& shape, const ProtocolLimits& limits, Limit limit,
                                     const std::string& refusal) {
    const auto decoded = decode_request(payload_of(shape), limits);
    const auto* error = std::get_if<DecodeError>(&decoded);
    if (error == nullptr) return testing::AssertionFailure() << "accepted";
    if (error->exceeded != limit) {
        return testing::AssertionFailure()
               << "refused without naming the limit: " << error->message;
    }
    if (error->message.find(refusal) == std::string::npos) {
        return testing::AssertionFailure() << "expected a message containing \"" << refusal
                                           << "\", got \"" << error->message << "\"";
    }
    return testing::AssertionSuccess();
}

std::vector<std::string> arguments(std::size_t count) {
    return std::vector<std::string>(count, "a");
}

// One limit's boundary: `at_limit` is exactly at `value`, `beyond` one unit over it.
struct LimitCase {
    std::string name;  // the row's name, the last part of the test's name
    Limit limit;
    std::size_t ProtocolLimits::*field;
    std::size_t value;
    Shape at_limit;
    Shape beyond;
    std::string refusal;  // what the message says: what was exceeded, by how much, the limit
};

void PrintTo(const LimitCase& row, std::ostream* out) {
    *out << row.name;
}

std::string row_name(const testing::TestParamInfo<LimitCase>& info) {
    return info.param.name;
}

std::vector<LimitCase> limit_cases() {
    const Shape hello{.arguments = {"hello"}};
    const std::size_t hello_bytes = payload_of(hello).size();
    return {
        {"ArgumentCount",
         Limit::kArguments,
         &ProtocolLimits::max_arguments,
         3,
         {.arguments = arguments(3)},
         {.arguments = arguments(4)},
         "too many arguments: 4, limit 3"},
        {"ArgumentLength",
         Limit::kArgumentBytes,
         &ProtocolLimits::max_argument_bytes,
         10,
         {.arguments = {"x", std::string(10, 'a')}},
         {.arguments = {"x", std::string(11, 'a')}},
         "argument 2 is 11 bytes, limit 10"},
        {"EnvironmentCount",
         Limit::kEnvironment,
         &ProtocolLimits::max_environment,
         2,
         {.environment = {{"A", "1"}, {"B", "2"}}},
         {.environment = {{"A", "1"}, {"B", "2"}, {"C", "3"}}},
         "too many environment variables: 3, limit 2"},
        {"EnvironmentBytes",
         Limit::kEnvironmentBytes,
         &ProtocolLimits::max_environment_bytes,
         10,  // names and values
         {.environment = {{"AB", "123"}, {"C", "4567"}}},
         {.environment = {{"AB", "123"}, {"C", "45678"}}},
         "environment variables take at least 11 bytes (names and values), limit 10"},
        {"FileArgumentCount",
         Limit::kFileArguments,
         &ProtocolLimits::max_file_arguments,
         2,
         {.arguments = arguments(3), .files = 2},
         {.arguments = arguments(3), .files = 3},
         "too many file arguments: 3, limit 2"},
        {"RequestBytes",
         Limit::kRequestBytes,
         &ProtocolLimits::max_request_bytes,
         hello_bytes,
         hello,
         {.arguments = {"hello!"}},
         "request is " + std::to_string(hello_bytes + 1) + " bytes, limit " +
             std::to_string(hello_bytes)},
        // stdin, stdout, stderr and one per file.
        {"FdCount",
         Limit::kFds,
         &ProtocolLimits::max_fds,
         5,
         {.mode = TransferMode::kFdPassing, .arguments = arguments(2), .files = 2},
         {.mode = TransferMode::kFdPassing, .arguments = arguments(3), .files = 3},
         "the request passes 6 descriptors, limit 5"},
    };
}

class RequestLimits : public testing::TestWithParam<LimitCase> {};

TEST_P(RequestLimits, ARequestAtTheLimitPassesAndOneBeyondIsRefused) {
    const LimitCase& row = GetParam();
    ProtocolLimits limits;
    limits.*row.field = row.value;
    EXPECT_TRUE(accepted(row.at_limit, limits));
    EXPECT_TRUE(refused_for(row.beyond, limits, row.limit, row.refusal));
}

INSTANTIATE_TEST_SUITE_P(EachLimit, RequestLimits, testing::ValuesIn(limit_cases()), row_name);

TEST(RequestLimits, ReceiveBufferNeverExceedsMaxFds) {
    ProtocolLimits limits;
    limits.max_fds = 7;
    EXPECT_EQ(max_request_fds(limits), 7u);
    limits.max_fds = 1000;  // cannot go past what one message carries
    EXPECT_EQ(max_request_fds(limits), kMaxFdsPerMessage);
}

}  // namespace
}  // namespace bro::protocol
