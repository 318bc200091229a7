#include "ring/deadline.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "bounded_run.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

class DeadlineTest : public ::testing::Test {
  protected:
    // Reads until one byte arrives or `stop` is requested; the read's result.
    Task<IoResult> read_one(int fd, StopToken stop) {
        std::array<std::uint8_t, 1> byte{};
        co_return co_await Read(ring_, fd, byte).stop_on(stop);
    }

    Ring ring_;
};

TEST_F(DeadlineTest, WorkThatOutrunsTheDeadlineIsStoppedAndReportedExpired) {
    Pipe pipe = make_pipe();
    const auto start = std::chrono::steady_clock::now();
    const Deadlined<IoResult> outcome = run_within(ring_, [&]() -> Task<Deadlined<IoResult>> {
        StopSource stop;
        co_return co_await with_deadline(ring_, 20ms, stop,
                                         read_one(pipe.read_end.get(), stop.token()));
    }());
    EXPECT_TRUE(outcome.expired);
    ASSERT_TRUE(outcome.value.has_value());
    EXPECT_TRUE(outcome.value->cancelled()) << "got " << outcome.value->raw();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
    EXPECT_EQ(ring_.in_flight(), 0u) << "something was left in flight";
}

TEST_F(DeadlineTest, WorkThatFinishesInTimeReturnsItsValueAndCancelsTheTimer) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "x");
    const auto start = std::chrono::steady_clock::now();
    const Deadlined<IoResult> outcome = run_within(ring_, [&]() -> Task<Deadlined<IoResult>> {
        StopSource stop;
        co_return co_await with_deadline(ring_, 1h, stop,
                                         read_one(pipe.read_end.get(), stop.token()));
    }());
    EXPECT_FALSE(outcome.expired);
    ASSERT_TRUE(outcome.value.has_value());
    EXPECT_EQ(outcome.value->raw(), 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, kWaitLimit);
    EXPECT_EQ(ring_.in_flight(), 0u) << "the timer was left in flight";
}

TEST_F(DeadlineTest, AVoidTaskReportsWhetherItExpired) {
    Pipe pipe = make_pipe();
    auto drop_result = [&](StopToken stop) -> Task<void> {
        const IoResult ignored = co_await read_one(pipe.read_end.get(), stop);
        (void)ignored;
    };
    const bool expired = run_within(ring_, [&]() -> Task<bool> {
        StopSource stop;
        co_return co_await with_deadline(ring_, 10ms, stop, drop_result(stop.token()));
    }());
    EXPECT_TRUE(expired);
}

TEST_F(DeadlineTest, TheWorksExceptionArrivesAfterTheTimerIsStopped) {
    auto fail = []() -> Task<void> {
        throw std::runtime_error("work failed");
        co_return;
    };
    EXPECT_THROW(run_within(ring_,
                            [&]() -> Task<bool> {
                                StopSource stop;
                                co_return co_await with_deadline(ring_, 1h, stop, fail());
                            }()),
                 std::runtime_error);
    EXPECT_EQ(ring_.in_flight(), 0u) << "the timer was left in flight";
}

TEST_F(DeadlineTest, ANonPositiveLimitMeansNoDeadline) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "x");
    const Deadlined<IoResult> outcome = run_within(ring_, [&]() -> Task<Deadlined<IoResult>> {
        StopSource stop;
        co_return co_await with_deadline(ring_, 0ms, stop,
                                         read_one(pipe.read_end.get(), stop.token()));
    }());
    EXPECT_FALSE(outcome.expired);
    EXPECT_EQ(outcome.value->raw(), 1);
}

TEST_F(DeadlineTest, OneOperationPastItsDeadlineTimesOut) {
    Pipe pipe = make_pipe();
    const IoResult result = run_within(ring_, [&]() -> Task<IoResult> {
        std::array<std::uint8_t, 1> byte{};
        co_return co_await with_deadline(ring_, 10ms, Read(ring_, pipe.read_end.get(), byte));
    }());
    EXPECT_TRUE(result.timed_out()) << "got " << result.raw();
}

TEST_F(DeadlineTest, OneOperationInTimeGivesItsResult) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "xy");
    const IoResult result = run_within(ring_, [&]() -> Task<IoResult> {
        std::array<std::uint8_t, 4> bytes{};
        co_return co_await with_deadline(ring_, 1h, Read(ring_, pipe.read_end.get(), bytes));
    }());
    EXPECT_EQ(result.raw(), 2);
}

// Five bytes 40 ms apart under a 100 ms idle limit: 200 ms in all, never 100 ms idle.
TEST_F(DeadlineTest, WorkThatKeepsProgressingOutlivesAnIdleDeadline) {
    Pipe pipe = make_pipe();
    Activity activity;
    auto reader = [&](StopToken stop) -> Task<int> {
        int got = 0;
        while (got < 5) {
            const IoResult read = co_await read_one(pipe.read_end.get(), stop);
            if (!read || read.value() == 0) break;
            activity.touch();
            ++got;
        }
        co_return got;
    };
    auto writer = [&]() -> Task<void> {
        for (int i = 0; i < 5; ++i) {
            const bool slept = co_await sleep_for(ring_, 40ms, StopToken{});
            (void)slept;
            write_all(pipe.write_end.get(), "x");
        }
    };
    const auto start = std::chrono::steady_clock::now();
    Deadlined<int> outcome;
    auto both = [&]() -> Task<void> {
        StopSource stop;
        auto read_all = [&]() -> Task<void> {
            outcome =
                co_await with_idle_deadline(ring_, 100ms, stop, activity, reader(stop.token()));
        };
        co_await when_all(read_all(), writer());
    };
    run_within(ring_, both());
    EXPECT_FALSE(outcome.expired);
    EXPECT_EQ(outcome.value, std::optional<int>(5));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
    EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(DeadlineTest, WorkWithoutProgressIsStoppedAtTheIdleDeadline) {
    Pipe pipe = make_pipe();
    const Activity activity;
    const auto start = std::chrono::steady_clock::now();
    const Deadlined<IoResult> outcome = run_within(ring_, [&]() -> Task<Deadlined<IoResult>> {
        StopSource stop;
        co_return co_await with_idle_deadline(ring_, 30ms, stop, activity,
                                              read_one(pipe.read_end.get(), stop.token()));
    }());
    EXPECT_TRUE(outcome.expired);
    ASSERT_TRUE(outcome.value.has_value());
    EXPECT_TRUE(outcome.value->cancelled());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
    EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(DeadlineTest, SleepForReportsWhetherTheTimeRanOut) {
    StopSource stop;
    EXPECT_TRUE(run_within(ring_, sleep_for(ring_, 1ms, stop.token())));
    stop.request_stop();
    EXPECT_FALSE(run_within(ring_, sleep_for(ring_, 1h, stop.token())));
}

}  // namespace
}  // namespace bro::ring
