#pragma once
// A FIFO mutex for coroutines on one Ring: the way two producers (a child's stdout and
// stderr) take turns writing whole frames to one socket. Ownership passes directly to the
// next waiter, which the Ring resumes on its next iteration (never nested in unlock()).

#include <coroutine>
#include <deque>

#include "ring/ring.hpp"

namespace bro::ring {

class AsyncMutex {
  public:
    explicit AsyncMutex(Ring& ring) : ring_(ring) {}
    AsyncMutex(const AsyncMutex&) = delete;
    AsyncMutex& operator=(const AsyncMutex&) = delete;

    auto lock() {
        struct Awaiter {
            AsyncMutex& mutex;
            bool await_ready() noexcept {
                if (mutex.locked_) return false;
                mutex.locked_ = true;
                return true;
            }
            void await_suspend(std::coroutine_handle<> h) { mutex.waiters_.push_back(h); }
            void await_resume() noexcept {}
        };
        return Awaiter{*this};
    }

    void unlock() {
        if (waiters_.empty()) {
            locked_ = false;
            return;
        }
        auto next = waiters_.front();
        waiters_.pop_front();
        ring_.post(next);  // stays locked: ownership moves to `next`
    }

    bool locked() const { return locked_; }

  private:
    Ring& ring_;
    bool locked_ = false;
    std::deque<std::coroutine_handle<>> waiters_;
};

// Unlocks on scope exit.
class [[nodiscard]] AsyncLockGuard {
  public:
    explicit AsyncLockGuard(AsyncMutex& mutex) : mutex_(mutex) {}
    ~AsyncLockGuard() { mutex_.unlock(); }
    AsyncLockGuard(const AsyncLockGuard&) = delete;
    AsyncLockGuard& operator=(const AsyncLockGuard&) = delete;

  private:
    AsyncMutex& mutex_;
};

}  // namespace bro::ring
