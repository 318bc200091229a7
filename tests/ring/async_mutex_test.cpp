#include "ring/async_mutex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bounded_run.hpp"

namespace bro::ring {
namespace {

class AsyncMutexTest : public ::testing::Test {
  protected:
    // Takes the lock, stays inside for a few ring iterations, logs entry and exit.
    Task<void> hold_for_a_while(std::string name) {
        co_await mutex_.lock();
        AsyncLockGuard guard(mutex_);
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

TEST_F(AsyncMutexTest, UnlockWithoutWaitersReleasesTheMutex) {
    run_within(ring_, [&]() -> Task<void> { co_await mutex_.lock(); }());
    ASSERT_TRUE(mutex_.locked());
    mutex_.unlock();
    EXPECT_FALSE(mutex_.locked());
}

TEST_F(AsyncMutexTest, UnlockKeepsTheMutexLockedForTheNextWaiter) {
    run_within(ring_, [&]() -> Task<void> { co_await mutex_.lock(); }());
    bool waiter_inside = false;
    auto waiter = [&]() -> Task<void> {
        co_await mutex_.lock();
        waiter_inside = true;
        mutex_.unlock();
    };
    ring_.spawn(waiter());
    mutex_.unlock();
    EXPECT_TRUE(mutex_.locked()) << "a newcomer could barge in ahead of the waiter";
    EXPECT_FALSE(waiter_inside) << "unlock() resumed the waiter inside its own stack";
    ASSERT_TRUE(run_until_within(ring_, [&] { return waiter_inside; }));
    EXPECT_FALSE(mutex_.locked());
}

}  // namespace
}  // namespace bro::ring
