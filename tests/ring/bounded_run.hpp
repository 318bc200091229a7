#pragma once
// Bounded waiting for the ring tests: a test never blocks forever on a broken ring. A
// Deadline is a timeout request the Ring carries alongside the operations under test, so
// Ring::run_until always has something that will complete and wake it.
//
// Lifetime rule for the tests: a lambda coroutine's frame refers to the closure object, so
// a lambda passed to Ring::spawn must be a named local that outlives the task, never an
// immediately invoked temporary (ASan reports stack-use-after-scope otherwise).

#include <linux/time_types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <coroutine>
#include <functional>
#include <optional>
#include <stdexcept>

#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace bro::ring {

using namespace std::chrono_literals;

// Long enough for a loaded CI machine, short enough that a hang fails fast.
constexpr std::chrono::milliseconds kWaitLimit = 5s;

class Deadline final : public Operation {
  public:
    Deadline(Ring& ring, std::chrono::milliseconds limit) : ring_(ring) {
        spec_.tv_sec = limit.count() / 1000;
        spec_.tv_nsec = (limit.count() % 1000) * 1'000'000;
        pending_ = true;
        ring_.submit(*this);
    }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    // The kernel holds this object's address until its CQE arrives.
    ~Deadline() {
        if (!pending_) return;
        ring_.cancel(*this);
        ring_.run_until([this] { return !pending_; });
    }

    bool expired() const { return expired_; }

    void prepare(io_uring_sqe& sqe) override { io_uring_prep_timeout(&sqe, &spec_, 0, 0); }
    void complete(int res, bool /*more*/) override {
        pending_ = false;
        expired_ = res == -ETIME;
    }

  private:
    Ring& ring_;
    __kernel_timespec spec_{};
    bool pending_ = false;
    bool expired_ = false;
};

// Runs the ring until `done()` holds or `deadline` expires; returns done().
inline bool run_until_before(Ring& ring, const Deadline& deadline,
                             const std::function<bool()>& done) {
    ring.run_until([&] { return done() || deadline.expired(); });
    return done();
}

inline bool run_until_within(Ring& ring, const std::function<bool()>& done,
                             std::chrono::milliseconds limit = kWaitLimit) {
    Deadline deadline(ring, limit);
    return run_until_before(ring, deadline, done);
}

// Ring::run with a time limit: throws (failing the test) if `task` has not finished in time.
template <typename T>
T run_within(Ring& ring, Task<T> task, std::chrono::milliseconds limit = kWaitLimit) {
    auto handle = task.handle();
    handle.resume();
    if (!run_until_within(
            ring, [&] { return handle.done(); }, limit)) {
        throw std::runtime_error("the task did not finish within the test's time limit");
    }
    return handle.promise().take();
}

// The result of an operation that must wait for something the test does: starts `operation`,
// checks (a test failure otherwise) that a pass of the ring leaves it waiting, runs `release`
// and runs the ring until the operation completes. nullopt, after a test failure, when it
// never did within the limit.
template <typename T>
std::optional<T> result_once_released(Ring& ring, const std::function<Task<T>()>& operation,
                                      const std::function<void()>& release) {
    std::optional<T> result;
    auto await_operation = [&]() -> Task<void> { result = co_await operation(); };
    ring.spawn(await_operation());
    ring.run_once(false);
    EXPECT_FALSE(result.has_value()) << "the operation completed before the test released it";
    release();
    EXPECT_TRUE(run_until_within(ring, [&] { return result.has_value(); }))
        << "the operation did not complete once released";
    return result;
}

// Suspends the awaiting coroutine until the Ring's next iteration (a cooperative yield).
struct NextIteration {
    Ring& ring;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { ring.post(h); }
    void await_resume() const noexcept {}
};

}  // namespace bro::ring
