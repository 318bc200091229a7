#pragma once
// Runs several Task<void> concurrently on the current thread and resumes the awaiting
// coroutine once all have finished. The first exception (if any) is rethrown after all are
// done, so no task is ever abandoned mid-flight.

#include <array>
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

// Starts every child and resumes the parent once all have finished. `Children` is a vector
// (a count known at run time) or an array (a fixed set: no allocation beyond the children's
// frames).
template <typename Children>
class WhenAllAwaiter {
  public:
    explicit WhenAllAwaiter(Children children) : children_(std::move(children)) {}
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
    Children children_;
    WhenAllState state_;
};

inline std::vector<WhenAllChild> children_of(std::vector<Task<void>> tasks) {
    std::vector<WhenAllChild> children;
    children.reserve(tasks.size());
    for (auto& task : tasks) children.push_back(make_when_all_child(std::move(task)));
    return children;
}

}  // namespace detail

inline Task<void> when_all(std::vector<Task<void>> tasks) {
    co_await detail::WhenAllAwaiter<std::vector<detail::WhenAllChild>>(
        detail::children_of(std::move(tasks)));
}

// co_await when_all(a(), b(), c()): the same for a fixed set of tasks, awaited in place (no
// coroutine frame or vector of its own).
template <typename... Tasks>
auto when_all(Task<void> first, Tasks... rest) {
    using Children = std::array<detail::WhenAllChild, 1 + sizeof...(rest)>;
    return detail::WhenAllAwaiter<Children>(
        Children{detail::make_when_all_child(std::move(first)),
                 detail::make_when_all_child(std::move(rest))...});
}

}  // namespace bro::ring
