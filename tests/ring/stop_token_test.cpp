#include "ring/stop_token.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "ring/operations.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

// Logs its name when stop is requested.
struct LoggingCallback final : StopCallback {
    LoggingCallback(std::vector<std::string>& log, std::string name)
        : log(log), name(std::move(name)) {}
    void on_stop() override { log.push_back(name); }
    std::vector<std::string>& log;
    std::string name;
};

TEST(StopToken, ADefaultTokenIsNeverStopped) {
    const StopToken token;
    EXPECT_FALSE(token.stop_possible());
    EXPECT_FALSE(token.stop_requested());
}

TEST(StopToken, CallbacksRunOnceInRegistrationOrder) {
    StopSource source;
    std::vector<std::string> log;
    LoggingCallback first(log, "first"), second(log, "second");
    ASSERT_TRUE(source.token().register_callback(first));
    ASSERT_TRUE(source.token().register_callback(second));
    source.request_stop();
    source.request_stop();
    EXPECT_EQ(log, std::vector<std::string>({"first", "second"}));
    EXPECT_TRUE(source.token().stop_requested());
}

TEST(StopToken, ADestroyedCallbackIsNotRun) {
    StopSource source;
    std::vector<std::string> log;
    LoggingCallback kept(log, "kept");
    ASSERT_TRUE(source.token().register_callback(kept));
    {
        LoggingCallback gone(log, "gone");
        ASSERT_TRUE(source.token().register_callback(gone));
    }
    source.request_stop();
    EXPECT_EQ(log, std::vector<std::string>({"kept"}));
}

TEST(StopToken, RegisteringAfterStopRefusesSoTheCallerActsAtOnce) {
    StopSource source;
    source.request_stop();
    std::vector<std::string> log;
    LoggingCallback late(log, "late");
    EXPECT_FALSE(source.token().register_callback(late));
    EXPECT_TRUE(log.empty());
}

class StopOnTest : public ::testing::Test {
  protected:
    Ring ring_;
};

TEST_F(StopOnTest, StoppingCancelsAnOperationInFlight) {
    Pipe pipe = make_pipe();
    StopSource stop;
    std::optional<IoResult> result;
    auto read_until_stopped = [&]() -> Task<void> {
        std::array<std::uint8_t, 8> buffer{};
        result = co_await Read(ring_, pipe.read_end.get(), buffer).stop_on(stop.token());
    };
    ring_.spawn(read_until_stopped());
    ring_.run_once(false);  // the read reaches the kernel
    stop.request_stop();
    EXPECT_FALSE(result.has_value()) << "the waiter was resumed inside request_stop()";
    ASSERT_TRUE(run_until_within(ring_, [&] { return result.has_value(); }));
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

TEST_F(StopOnTest, AnOperationStartedAfterStopCompletesCancelledWithoutTheKernel) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "data");
    StopSource stop;
    stop.request_stop();
    const IoResult result = run_within(ring_, [&]() -> Task<IoResult> {
        std::array<std::uint8_t, 8> buffer{};
        co_return co_await Read(ring_, pipe.read_end.get(), buffer).stop_on(stop.token());
    }());
    EXPECT_TRUE(result.cancelled()) << "got " << result.raw();
    EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(StopOnTest, AnOperationThatCompletedIsNotCancelledByALaterStop) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "data");
    StopSource stop;
    const IoResult result = run_within(ring_, [&]() -> Task<IoResult> {
        std::array<std::uint8_t, 8> buffer{};
        const IoResult got =
            co_await Read(ring_, pipe.read_end.get(), buffer).stop_on(stop.token());
        stop.request_stop();  // would touch a finished operation if it stayed registered
        co_return got;
    }());
    EXPECT_EQ(result.raw(), 4);
}

}  // namespace
}  // namespace bro::ring
