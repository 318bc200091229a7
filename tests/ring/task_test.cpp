#include "ring/task.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace bro::ring {
namespace {

// Drives a task that never suspends on I/O, without a Ring: one resume must finish it.
template <typename T>
T run_synchronously(Task<T> task) {
    auto handle = task.handle();
    handle.resume();
    if (!handle.done()) throw std::logic_error("the task suspended; it needs a Ring");
    return handle.promise().take();
}

Task<int> answer() {
    co_return 42;
}

Task<std::unique_ptr<int>> boxed(int value) {
    co_return std::make_unique<int>(value);
}

Task<int> fail_with(std::string message) {
    throw std::runtime_error(message);
    co_return 0;
}

// Counts how often a frame that owns it is destroyed (moved-from copies do not count).
class DestructionCounter {
  public:
    explicit DestructionCounter(int& count) : count_(&count) {}
    DestructionCounter(DestructionCounter&& other) noexcept
        : count_(std::exchange(other.count_, nullptr)) {}
    DestructionCounter(const DestructionCounter&) = delete;
    DestructionCounter& operator=(const DestructionCounter&) = delete;
    ~DestructionCounter() {
        if (count_) ++*count_;
    }

  private:
    int* count_;
};

TEST(Task, BodyDoesNotRunUntilAwaited) {
    bool ran = false;
    auto body = [&]() -> Task<void> {
        ran = true;
        co_return;
    };
    Task<void> task = body();
    EXPECT_FALSE(ran) << "a Task must be lazy: its body ran when it was created";
    auto outer = [&]() -> Task<void> { co_await std::move(task); };
    run_synchronously(outer());
    EXPECT_TRUE(ran);
}

TEST(Task, ReturnsItsValueToTheAwaiter) {
    auto outer = []() -> Task<int> { co_return co_await answer() + 1; };
    EXPECT_EQ(run_synchronously(outer()), 43);
}

TEST(Task, ReturnsAMoveOnlyValue) {
    auto outer = []() -> Task<std::unique_ptr<int>> { co_return co_await boxed(7); };
    std::unique_ptr<int> result = run_synchronously(outer());
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(*result, 7);
}

TEST(Task, ExceptionPropagatesToTheAwaiter) {
    std::string caught;
    auto outer = [&]() -> Task<void> {
        try {
            co_await fail_with("disk on fire");
        } catch (const std::runtime_error& e) {
            caught = e.what();
        }
    };
    run_synchronously(outer());
    EXPECT_EQ(caught, "disk on fire");
}

TEST(Task, ExceptionEscapingTheOutermostTaskReachesItsOwner) {
    EXPECT_THROW(run_synchronously(fail_with("boom")), std::runtime_error);
}

TEST(Task, DestroyingAnUnstartedTaskFreesItsFrame) {
    int destroyed = 0;
    bool ran = false;
    auto body = [&ran](DestructionCounter) -> Task<void> {
        ran = true;
        co_return;
    };
    {
        Task<void> task = body(DestructionCounter(destroyed));
        EXPECT_EQ(destroyed, 0) << "the frame's copy of the parameter must live until the frame";
    }
    EXPECT_EQ(destroyed, 1) << "destroying the Task did not destroy its coroutine frame";
    EXPECT_FALSE(ran);
}

TEST(Task, MoveAssignmentDestroysTheTaskItReplaces) {
    int destroyed = 0;
    auto body = [](DestructionCounter) -> Task<void> { co_return; };
    Task<void> task = body(DestructionCounter(destroyed));
    task = body(DestructionCounter(destroyed));
    EXPECT_EQ(destroyed, 1) << "the replaced frame leaked";
}

TEST(Task, AwaitingAnEmptyTaskThrowsALogicError) {
    std::string caught;
    auto outer = [&]() -> Task<void> {
        Task<void> empty;
        try {
            co_await std::move(empty);
        } catch (const std::logic_error& e) {
            caught = e.what();
        }
    };
    run_synchronously(outer());
    EXPECT_NE(caught.find("empty Task"), std::string::npos) << "caught: " << caught;
}

Task<bool> yes() {
    co_return true;
}

// The rule task.hpp gives for GCC 12, which can miscompile `if (co_await task)` (the task is
// never started; it depends on context, so no canary here): bind the result, then branch.
TEST(Task, ResultBoundToAVariableDrivesABranch) {
    auto outer = []() -> Task<int> {
        const bool ok = co_await yes();
        if (ok) co_return 1;
        co_return 2;
    };
    EXPECT_EQ(run_synchronously(outer()), 1);
}

// Ported from cppcoro's "lots of synchronous completions doesn't result in stack-overflow":
// without symmetric transfer at both ends each co_await nests a resume, and a million of them
// overflow any default stack.
TEST(Task, ManySynchronousCompletionsDoNotOverflowTheStack) {
    constexpr int kIterations = 1'000'000;
    auto completes_synchronously = []() -> Task<int> { co_return 1; };
    auto outer = [&]() -> Task<int> {
        int sum = 0;
        for (int i = 0; i < kIterations; ++i) sum += co_await completes_synchronously();
        co_return sum;
    };
    EXPECT_EQ(run_synchronously(outer()), kIterations);
}

}  // namespace
}  // namespace bro::ring
