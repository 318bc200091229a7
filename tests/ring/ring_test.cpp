#include "ring/ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "ring/operations.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

// Room for 8 operations: small enough that a test can fill it with a few pipes. (Assigned
// member by member: GCC 12 warns about designated initializers that skip a member.)
RingOptions small_ring() {
    RingOptions options;
    options.submission_entries = 8;
    options.completion_entries = 16;
    return options;
}

// An awaitable that never completes: nothing will ever resume its coroutine.
struct NeverResumed {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

class RingTest : public ::testing::Test {
  protected:
    Ring ring_;
};

TEST_F(RingTest, RunReturnsTheResultOfTheTask) {
    auto task = []() -> Task<std::string> { co_return "done"; };
    EXPECT_EQ(ring_.run(task()), "done");
}

TEST_F(RingTest, RunRethrowsTheExceptionOfTheTask) {
    auto task = []() -> Task<void> {
        throw std::runtime_error("task failed");
        co_return;
    };
    EXPECT_THROW(ring_.run(task()), std::runtime_error);
}

TEST_F(RingTest, RunUntilReturnsFalseWhenNothingCanMakeProgress) {
    EXPECT_FALSE(ring_.run_until([] { return false; }));
}

TEST_F(RingTest, RunUntilReturnsFalseWhenATaskWaitsForSomethingThatNeverHappens) {
    auto stuck = []() -> Task<void> { co_await NeverResumed{}; };
    Task<void> task = stuck();
    task.handle().resume();
    EXPECT_FALSE(ring_.run_until([&] { return task.done(); }));
}

TEST_F(RingTest, RunUntilReturnsTrueOnceTheConditionHolds) {
    bool finished = false;
    auto yield_twice = [&]() -> Task<void> {
        co_await NextIteration{ring_};
        co_await NextIteration{ring_};
        finished = true;
    };
    ring_.spawn(yield_twice());
    EXPECT_TRUE(ring_.run_until([&] { return finished; }));
}

// With IORING_SETUP_DEFER_TASKRUN the kernel posts an asynchronous completion only when the
// ring is entered with IORING_ENTER_GETEVENTS; a plain submit leaves it queued as task work.
TEST_F(RingTest, RunOnceWithoutWaitingDeliversACompletionThatArrivedMeanwhile) {
    Pipe pipe = make_pipe();
    std::array<std::uint8_t, 1> byte{};
    std::optional<IoResult> result;
    auto read_one_byte = [&]() -> Task<void> {
        result = co_await Read(ring_, pipe.read_end.get(), byte);
    };
    ring_.spawn(read_one_byte());
    ring_.run_once(false);  // the read is now armed in the kernel
    ASSERT_FALSE(result.has_value());
    write_all(pipe.write_end.get(), "x");  // completes the read asynchronously
    const auto give_up = std::chrono::steady_clock::now() + kWaitLimit;
    while (!result && std::chrono::steady_clock::now() < give_up) ring_.run_once(false);
    const bool delivered = result.has_value();
    if (!delivered) {  // let the task finish so it does not outlive the test
        EXPECT_TRUE(run_until_within(ring_, [&] { return result.has_value(); }));
    }
    EXPECT_TRUE(delivered) << "run_once(false) never reaped the completion (features: "
                           << ring_.features().describe() << ")";
}

// A coroutine that keeps yielding keeps the posted queue non-empty, so run_until never waits;
// completions must still arrive or the yielding coroutine waits forever.
TEST_F(RingTest, RunUntilDeliversCompletionsWhileACoroutineKeepsYielding) {
    constexpr int kYieldLimit = 100'000;
    Pipe pipe = make_pipe();
    std::array<std::uint8_t, 1> byte{};
    bool read_done = false;
    auto read_then_flag = [&]() -> Task<void> {
        co_await Read(ring_, pipe.read_end.get(), byte);
        read_done = true;
    };
    ring_.spawn(read_then_flag());
    ring_.run_once(false);
    write_all(pipe.write_end.get(), "x");
    int yields = 0;
    auto spinner = [&]() -> Task<void> {
        while (!read_done && yields < kYieldLimit) {
            ++yields;
            co_await NextIteration{ring_};
        }
    };
    run_within(ring_, spinner());
    if (!read_done) {
        EXPECT_TRUE(run_until_within(ring_, [&] { return read_done; }));
    }
    EXPECT_LT(yields, kYieldLimit) << "the read completed only once the coroutine stopped "
                                      "yielding";
}

TEST_F(RingTest, RunThrowsWhenTheTaskCanNeverFinish) {
    auto stuck = []() -> Task<void> { co_await NeverResumed{}; };
    EXPECT_THROW(ring_.run(stuck()), std::logic_error);
}

TEST_F(RingTest, PostResumesTheCoroutineOnTheNextIterationNotInsidePost) {
    bool resumed = false;
    std::coroutine_handle<> waiting;
    struct Capture {
        std::coroutine_handle<>& slot;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) noexcept { slot = h; }
        void await_resume() const noexcept {}
    };
    auto waiter = [&]() -> Task<void> {
        co_await Capture{waiting};
        resumed = true;
    };
    ring_.spawn(waiter());
    ASSERT_TRUE(waiting);
    ring_.post(waiting);
    EXPECT_FALSE(resumed) << "post() resumed the coroutine inside the caller's stack";
    ring_.run_once(false);
    EXPECT_TRUE(resumed);
}

TEST_F(RingTest, SpawnCountsADetachedTaskUntilItFinishes) {
    Pipe pipe = make_pipe();
    auto reader = [&]() -> Task<void> {
        std::array<std::uint8_t, 1> byte{};
        co_await Read(ring_, pipe.read_end.get(), byte);
    };
    ring_.spawn(reader());
    EXPECT_EQ(ring_.detached_tasks(), 1u);
    write_all(pipe.write_end.get(), "x");
    EXPECT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }))
        << "still detached: " << ring_.detached_tasks();
}

TEST_F(RingTest, SpawnedTaskExceptionGoesToOnDetachedError) {
    std::exception_ptr reported;
    ring_.on_detached_error = [&](std::exception_ptr e) { reported = e; };
    auto failing = [&]() -> Task<void> {
        co_await NextIteration{ring_};
        throw std::runtime_error("detached failure");
    };
    ring_.spawn(failing());
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    ASSERT_TRUE(reported) << "on_detached_error was not called";
    try {
        std::rethrow_exception(reported);
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "detached failure");
    }
}

TEST_F(RingTest, AdjustFeaturesForcesAFallback) {
    RingOptions options;
    options.adjust_features = [](RingFeatures& f) {
        f.waitid = false;
        f.multishot_accept = false;
    };
    Ring forced(options);
    EXPECT_FALSE(forced.features().waitid);
    EXPECT_FALSE(forced.features().multishot_accept);
}

// Many pending reads on a ring with room for few: the excess waits in the backlog and starts
// as completions free room, so the completion queue can never overflow.
class RingBacklogTest : public ::testing::Test {
  protected:
    static constexpr int kReaders = 100;

    RingBacklogTest() : ring_(small_ring()) {
        for (int i = 0; i < kReaders; ++i) pipes_.push_back(make_pipe());
    }

    Task<void> read_one(int index) {
        std::array<std::uint8_t, 8> buffer{};
        max_in_flight_ = std::max(max_in_flight_, ring_.in_flight());
        const IoResult result = co_await Read(ring_, pipes_[index].read_end.get(), buffer);
        max_in_flight_ = std::max(max_in_flight_, ring_.in_flight());
        if (result.ok() && text_of(std::span(buffer).first(result.value())) == "ping") ++finished_;
    }

    Ring ring_;
    std::vector<Pipe> pipes_;
    std::size_t max_in_flight_ = 0;
    int finished_ = 0;
};

TEST_F(RingBacklogTest, InFlightNeverExceedsCompletionCapacity) {
    Deadline deadline(ring_, kWaitLimit);  // first, so the backlog cannot hold it back
    for (int i = 0; i < kReaders; ++i) ring_.spawn(read_one(i));
    max_in_flight_ = std::max(max_in_flight_, ring_.in_flight());
    for (Pipe& pipe : pipes_) write_all(pipe.write_end.get(), "ping");
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return ring_.detached_tasks() == 0; }))
        << "finished " << finished_ << " of " << kReaders;
    EXPECT_LE(max_in_flight_, ring_.completion_capacity());
}

TEST_F(RingBacklogTest, OperationsBeyondCapacityWaitInTheBacklog) {
    Deadline deadline(ring_, kWaitLimit);
    for (int i = 0; i < kReaders; ++i) ring_.spawn(read_one(i));
    EXPECT_EQ(ring_.in_flight(), ring_.completion_capacity())
        << "expected the ring full and the rest backlogged";
    for (Pipe& pipe : pipes_) write_all(pipe.write_end.get(), "ping");
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return ring_.detached_tasks() == 0; }));
}

TEST_F(RingBacklogTest, EveryBackloggedOperationCompletesOnceRoomFrees) {
    Deadline deadline(ring_, kWaitLimit);
    for (int i = 0; i < kReaders; ++i) ring_.spawn(read_one(i));
    for (Pipe& pipe : pipes_) write_all(pipe.write_end.get(), "ping");
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return ring_.detached_tasks() == 0; }));
    EXPECT_EQ(finished_, kReaders);
}

TEST_F(RingBacklogTest, CancelOfABackloggedOperationCompletesItCancelledOnTheNextIteration) {
    Deadline deadline(ring_, kWaitLimit);
    // Fill the ring so the next read has to wait in the backlog.
    const std::size_t fill = ring_.completion_capacity() - ring_.in_flight();
    for (std::size_t i = 0; i < fill; ++i) ring_.spawn(read_one(static_cast<int>(i)));
    ASSERT_EQ(ring_.in_flight(), ring_.completion_capacity());

    Read* backlogged = nullptr;
    std::unique_ptr<IoResult> result;
    auto waiting = [&]() -> Task<void> {
        std::array<std::uint8_t, 8> buffer{};
        Read read(ring_, pipes_[kReaders - 1].read_end.get(), buffer);
        backlogged = &read;
        result = std::make_unique<IoResult>(co_await read);
    };
    ring_.spawn(waiting());
    ASSERT_NE(backlogged, nullptr);
    ring_.cancel(*backlogged);
    EXPECT_EQ(result, nullptr) << "cancel() resumed the waiter inside the caller's stack";
    ring_.run_once(false);
    ASSERT_NE(result, nullptr) << "a backlogged operation must complete on the next iteration";
    EXPECT_TRUE(result->cancelled()) << "got " << result->error().message();
    EXPECT_EQ(ring_.in_flight(), ring_.completion_capacity()) << "cancel freed in-flight room";

    for (std::size_t i = 0; i < fill; ++i) write_all(pipes_[i].write_end.get(), "ping");
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return ring_.detached_tasks() == 0; }));
}

// Pending operations on one fd, and one on another fd that must survive cancel_fd.
class RingCancelFdTest : public ::testing::Test {
  protected:
    Task<void> receive_into(int fd, IoResult& result) {
        std::array<std::uint8_t, 8> buffer{};
        result = co_await Receive(ring_, fd, buffer);
        ++finished_;
    }

    Ring ring_{small_ring()};
    int finished_ = 0;
};

TEST_F(RingCancelFdTest, CancelFdCancelsEveryPendingOperationOnThatFd) {
    if (!ring_.features().cancel_by_fd) GTEST_SKIP() << "IORING_ASYNC_CANCEL_FD needs 5.19";
    SocketPair target = make_socket_pair();
    std::vector<IoResult> results(3, IoResult(0));
    for (IoResult& r : results) ring_.spawn(receive_into(target.first.get(), r));
    ring_.run_once(false);  // hand them to the kernel
    ring_.cancel_fd(target.first.get());
    ASSERT_TRUE(run_until_within(ring_, [&] { return finished_ == 3; }))
        << "finished " << finished_ << " of 3";
    for (const IoResult& r : results) EXPECT_TRUE(r.cancelled()) << "got " << r.raw();
}

TEST_F(RingCancelFdTest, CancelFdLeavesOperationsOnOtherFdsPending) {
    if (!ring_.features().cancel_by_fd) GTEST_SKIP() << "IORING_ASYNC_CANCEL_FD needs 5.19";
    SocketPair target = make_socket_pair();
    SocketPair other = make_socket_pair();
    IoResult cancelled(0), bystander(0);
    ring_.spawn(receive_into(target.first.get(), cancelled));
    ring_.spawn(receive_into(other.first.get(), bystander));
    ring_.run_once(false);
    ring_.cancel_fd(target.first.get());
    ASSERT_TRUE(run_until_within(ring_, [&] { return finished_ == 1; }));
    EXPECT_TRUE(cancelled.cancelled());
    write_all(other.second.get(), "ok");
    ASSERT_TRUE(run_until_within(ring_, [&] { return finished_ == 2; }));
    EXPECT_EQ(bystander.raw(), 2) << "the operation on the other fd was disturbed";
}

TEST_F(RingCancelFdTest, CancelFdAlsoCancelsBackloggedOperationsOnThatFd) {
    if (!ring_.features().cancel_by_fd) GTEST_SKIP() << "IORING_ASYNC_CANCEL_FD needs 5.19";
    Deadline deadline(ring_, kWaitLimit);
    SocketPair target = make_socket_pair();
    std::vector<SocketPair> fillers;
    std::vector<IoResult> filler_results(ring_.completion_capacity() - ring_.in_flight() - 1,
                                         IoResult(0));
    for (IoResult& r : filler_results) {
        fillers.push_back(make_socket_pair());
        ring_.spawn(receive_into(fillers.back().first.get(), r));
    }
    // One on `target` fits; the next two wait in the backlog.
    std::vector<IoResult> results(3, IoResult(0));
    for (IoResult& r : results) ring_.spawn(receive_into(target.first.get(), r));
    ASSERT_EQ(ring_.in_flight(), ring_.completion_capacity());
    ring_.cancel_fd(target.first.get());
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return finished_ == 3; }))
        << "finished " << finished_ << " of 3";
    for (const IoResult& r : results) EXPECT_TRUE(r.cancelled()) << "got " << r.raw();

    for (SocketPair& pair : fillers) write_all(pair.second.get(), "x");
    const int total = static_cast<int>(3 + fillers.size());
    ASSERT_TRUE(run_until_before(ring_, deadline, [&] { return finished_ == total; }));
}

}  // namespace
}  // namespace bro::ring
