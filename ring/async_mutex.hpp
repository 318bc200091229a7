#pragma once
// A FIFO mutex for coroutines on one Ring: the way two producers (a child's stdout and
// stderr) take turns writing whole frames to one socket. `co_await mutex.lock()` hands out an
// AsyncLock that holds the mutex until it is destroyed, so no path can forget to unlock.
// Ownership passes directly to the next waiter, which the Ring resumes on its next iteration
// (never nested in the releasing coroutine's stack).

#include <coroutine>
#include <utility>

#include "ring/ring.hpp"

namespace bro::ring {

class AsyncMutex;

// Holds an AsyncMutex from AsyncMutex::lock() until destroyed (or released). Move-only.
class [[nodiscard]] AsyncLock {
  public:
    AsyncLock(AsyncLock&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
    AsyncLock& operator=(AsyncLock&&) = delete;
    AsyncLock(const AsyncLock&) = delete;
    ~AsyncLock() { release(); }

    // Unlocks now instead of at the end of the scope.
    void release();

  private:
    friend class AsyncMutex;
    explicit AsyncLock(AsyncMutex& mutex) : mutex_(&mutex) {}
    AsyncMutex* mutex_;
};

class AsyncMutex {
  public:
    explicit AsyncMutex(Ring& ring) : ring_(ring) {}
    AsyncMutex(const AsyncMutex&) = delete;
    AsyncMutex& operator=(const AsyncMutex&) = delete;

    // The waiters queue through their awaiters, which live in their suspended frames: an
    // idle mutex owns no memory (each session holds one, used or not).
    struct Awaiter {
        AsyncMutex& mutex;
        std::coroutine_handle<> handle = {};
        Awaiter* next = nullptr;
        bool await_ready() noexcept {
            if (mutex.locked_) return false;
            mutex.locked_ = true;
            return true;
        }
        void await_suspend(std::coroutine_handle<> h) {
            handle = h;
            (mutex.last_ != nullptr ? mutex.last_->next : mutex.first_) = this;
            mutex.last_ = this;
        }
        AsyncLock await_resume() noexcept { return AsyncLock(mutex); }
    };
    Awaiter lock() { return Awaiter{*this}; }

    bool locked() const { return locked_; }

  private:
    friend class AsyncLock;
    void unlock() {
        Awaiter* next = first_;
        if (next == nullptr) {
            locked_ = false;
            return;
        }
        first_ = next->next;
        if (first_ == nullptr) last_ = nullptr;
        ring_.post(next->handle);  // stays locked: ownership moves to `next`
    }

    Ring& ring_;
    bool locked_ = false;
    Awaiter* first_ = nullptr;  // FIFO of suspended lockers
    Awaiter* last_ = nullptr;
};

inline void AsyncLock::release() {
    if (mutex_ != nullptr) std::exchange(mutex_, nullptr)->unlock();
}

}  // namespace bro::ring
