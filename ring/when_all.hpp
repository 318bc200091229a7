#pragma once
// Runs several Task<void> concurrently on the current thread and resumes the awaiting
// coroutine once all have finished. The first exception (if any) is rethrown after all are
// done, so no task is ever abandoned mid-flight.

#include <coroutine>
#include <cstddef>
#include <exception>
#include <vector>

#include "ring/task.hpp"

namespace bro::ring {

namespace detail {

struct WhenAllState {
    // One extra count held by the awaiter while it starts the children, so a child that
    // finishes synchronously cannot resume the parent before await_suspend has returned.
    std::size_t remaining = 0;
    std::coroutine_handle<> parent;
    std::exception_ptr error;
};

struct WhenAllChild {
    struct promise_type {
        WhenAllState* state = nullptr;
        WhenAllChild get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        auto final_suspend() noexcept {
            struct NotifyParent {
                bool await_ready() noexcept { return false; }
                std::coroutine_handle<> await_suspend(
                    std::coroutine_handle<promise_type> h) noexcept {
                    WhenAllState* s = h.promise().state;
                    return --s->remaining == 0 ? s->parent : std::noop_coroutine();
                }
                void await_resume() noexcept {}
            };
            return NotifyParent{};
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept {
            if (!state->error) state->error = std::current_exception();
        }
    };
    std::coroutine_handle<promise_type> handle;
};

inline WhenAllChild make_when_all_child(Task<void> task) {
    co_await std::move(task);
}

class WhenAllAwaiter {
  public:
    explicit WhenAllAwaiter(std::vector<Task<void>> tasks) {
        children_.reserve(tasks.size());
        for (auto& task : tasks) children_.push_back(make_when_all_child(std::move(task)));
    }
    WhenAllAwaiter(const WhenAllAwaiter&) = delete;
    WhenAllAwaiter& operator=(const WhenAllAwaiter&) = delete;
    ~WhenAllAwaiter() {
        for (auto& child : children_) child.handle.destroy();
    }

    bool await_ready() const noexcept { return children_.empty(); }
    bool await_suspend(std::coroutine_handle<> parent) {
        state_.parent = parent;
        state_.remaining = children_.size() + 1;
        for (auto& child : children_) {
            child.handle.promise().state = &state_;
            child.handle.resume();
        }
        return --state_.remaining != 0;
    }
    void await_resume() {
        if (state_.error) std::rethrow_exception(state_.error);
    }

  private:
    std::vector<WhenAllChild> children_;
    WhenAllState state_;
};

}  // namespace detail

inline Task<void> when_all(std::vector<Task<void>> tasks) {
    co_await detail::WhenAllAwaiter(std::move(tasks));
}

// when_all(a(), b(), c()): the same for a fixed set of tasks.
template <typename... Tasks>
Task<void> when_all(Task<void> first, Tasks... rest) {
    std::vector<Task<void>> tasks;
    tasks.reserve(1 + sizeof...(rest));
    tasks.push_back(std::move(first));
    (tasks.push_back(std::move(rest)), ...);
    return when_all(std::move(tasks));
}

}  // namespace bro::ring
