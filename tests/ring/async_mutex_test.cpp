#include "ring/async_mutex.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "bounded_run.hpp"

namespace bro::ring {
namespace {

class AsyncMutexTest : public ::testing::Test {
  protected:
    // Takes the lock, stays inside for a few ring iterations, logs entry and exit.
    Task<void> hold_for_a_while(std::string name) {
        const AsyncLock lock = co_await mutex_.lock();
        ++inside_;
        max_inside_ = std::max(max_inside_, inside_);
        entries_.push_back(name);
        for (int i = 0; i < 3; ++i) co_await NextIteration{ring_};
        --inside_;
    }

    Ring ring_;
    AsyncMutex mutex_{ring_};
    std::vector<std::string> entries_;
    int inside_ = 0;
    int max_inside_ = 0;
};

TEST_F(AsyncMutexTest, HandsOwnershipToWaitersInFifoOrder) {
    // "a" takes the lock at once; "b" then "c" queue behind it. A LIFO hand-off gives a, c, b.
    for (const char* name : {"a", "b", "c"}) ring_.spawn(hold_for_a_while(name));
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    EXPECT_EQ(entries_, std::vector<std::string>({"a", "b", "c"}));
}

TEST_F(AsyncMutexTest, NeverAdmitsTwoCoroutinesAtOnce) {
    for (int round = 0; round < 20; ++round) {
        for (const char* name : {"a", "b", "c"}) ring_.spawn(hold_for_a_while(name));
    }
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    EXPECT_EQ(entries_.size(), 60u);
    EXPECT_EQ(max_inside_, 1) << "two coroutines held the mutex at the same time";
}

TEST_F(AsyncMutexTest, ReleasingTheLastLockFreesTheMutex) {
    std::optional<AsyncLock> lock = run_within(
        ring_, [&]() -> Task<std::optional<AsyncLock>> { co_return co_await mutex_.lock(); }());
    ASSERT_TRUE(mutex_.locked());
    lock.reset();
    EXPECT_FALSE(mutex_.locked());
}

TEST_F(AsyncMutexTest, ReleasingKeepsTheMutexLockedForTheNextWaiter) {
    std::optional<AsyncLock> lock = run_within(
        ring_, [&]() -> Task<std::optional<AsyncLock>> { co_return co_await mutex_.lock(); }());
    bool waiter_inside = false;
    auto waiter = [&]() -> Task<void> {
        const AsyncLock inner = co_await mutex_.lock();
        waiter_inside = true;
    };
    ring_.spawn(waiter());
    lock->release();
    EXPECT_TRUE(mutex_.locked()) << "a newcomer could barge in ahead of the waiter";
    EXPECT_FALSE(waiter_inside) << "releasing resumed the waiter inside its own stack";
    ASSERT_TRUE(run_until_within(ring_, [&] { return waiter_inside; }));
    EXPECT_FALSE(mutex_.locked());
}

TEST_F(AsyncMutexTest, AMovedFromLockDoesNotUnlockTheNextOwnersMutex) {
    std::optional<bool> locked_while_waiter_inside;
    auto waiter = [&]() -> Task<void> {
        const AsyncLock inner = co_await mutex_.lock();
        locked_while_waiter_inside = mutex_.locked();
    };
    auto holder = [&]() -> Task<void> {
        AsyncLock first = co_await mutex_.lock();
        ring_.spawn(waiter());                          // queues behind `first`
        { const AsyncLock second = std::move(first); }  // hands the mutex to the waiter
    };  // `first`, moved from, is destroyed here and must not unlock again
    run_within(ring_, holder());
    ASSERT_TRUE(run_until_within(ring_, [&] { return locked_while_waiter_inside.has_value(); }));
    EXPECT_TRUE(*locked_while_waiter_inside) << "the moved-from lock unlocked a second time";
    EXPECT_FALSE(mutex_.locked());
}

}  // namespace
}  // namespace bro::ring
