// SingleShot::time_limit: a timeout linked to the operation's own SQE.
#include <poll.h>

#include <gtest/gtest.h>

#include <chrono>

#include "bounded_run.hpp"
#include "ring/operations.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

class LinkedTimeoutTest : public ::testing::Test {
  protected:
    Task<IoResult> poll_within(int fd, std::chrono::nanoseconds limit, StopToken stop = {}) {
        co_return co_await Poll(ring_, fd, POLLIN).stop_on(stop).time_limit(limit);
    }

    Ring ring_;
    Pipe pipe_ = make_pipe();
};

TEST_F(LinkedTimeoutTest, AnOperationStillWaitingWhenTheLimitPassesCompletesTimedOut) {
    const auto started = std::chrono::steady_clock::now();
    const IoResult result = run_within(ring_, poll_within(pipe_.read_end.get(), 20ms));
    EXPECT_TRUE(result.timed_out()) << "got " << result.raw();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 20ms);
}

TEST_F(LinkedTimeoutTest, AnOperationThatFinishesFirstReturnsItsOwnResult) {
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return poll_within(pipe_.read_end.get(), 10s); },
        [&] { write_all(pipe_.write_end.get(), "x"); });
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().message();
    EXPECT_TRUE(result->value() & POLLIN);
}

TEST_F(LinkedTimeoutTest, AStopBeforeTheLimitCompletesCancelled) {
    StopSource stop;
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return poll_within(pipe_.read_end.get(), 10s, stop.token()); },
        [&] { stop.request_stop(); });
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

TEST_F(LinkedTimeoutTest, NothingStaysInFlightOnceTheOperationCompleted) {
    write_all(pipe_.write_end.get(), "x");
    const IoResult ready = run_within(ring_, poll_within(pipe_.read_end.get(), 10s));
    ASSERT_TRUE(ready.ok());
    const IoResult expired = run_within(ring_, poll_within(closed_fd(), 10ms));
    (void)expired;
    EXPECT_EQ(ring_.in_flight(), 0u) << "the linked timeout's CQE was not accounted for";
}

TEST_F(LinkedTimeoutTest, ManyLinkedOperationsFillingTheSubmissionQueueAllComplete) {
    RingOptions options;
    options.submission_entries = 4;  // a pair must never be split across two submissions
    Ring small(options);
    int timed_out = 0;
    auto one = [&]() -> Task<void> {
        const IoResult r = co_await Poll(small, pipe_.read_end.get(), POLLIN).time_limit(5ms);
        if (r.timed_out()) ++timed_out;
    };
    for (int i = 0; i < 9; ++i) small.spawn(one());
    ASSERT_TRUE(run_until_within(small, [&] { return small.detached_tasks() == 0; }));
    EXPECT_EQ(timed_out, 9);
    EXPECT_EQ(small.in_flight(), 0u);
}

}  // namespace
}  // namespace bro::ring
