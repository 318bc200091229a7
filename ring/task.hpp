#pragma once
// Task<T>: a lazily started coroutine that yields one T to the one coroutine awaiting it.
// Starting and finishing use symmetric transfer, so a long chain of tasks that complete
// synchronously runs in constant stack space. Move-only; destroying an unstarted task frees it.

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace bro::ring {

template <typename T>
class Task;

namespace detail {

// Resumes whoever awaited the task (symmetric transfer), or nothing for a top-level task.
struct ResumeContinuation {
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
        return h.promise().continuation;
    }
    void await_resume() noexcept {}
};

struct TaskPromiseBase {
    std::coroutine_handle<> continuation = std::noop_coroutine();
    std::exception_ptr exception;

    std::suspend_always initial_suspend() noexcept { return {}; }
    ResumeContinuation final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { exception = std::current_exception(); }
    void rethrow_if_failed() {
        if (exception) std::rethrow_exception(exception);
    }
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
    std::optional<T> value;
    Task<T> get_return_object() noexcept;
    template <typename U>
    void return_value(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    T take() {
        rethrow_if_failed();
        return std::move(*value);
    }
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
    Task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() { rethrow_if_failed(); }
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
  public:
    using promise_type = detail::TaskPromise<T>;
    using Handle = std::coroutine_handle<promise_type>;

    Task() = default;
    explicit Task(Handle h) : handle_(h) {}
    Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    Task& operator=(Task&& other) noexcept {
        if (this != &other) {
            if (handle_) handle_.destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() {
        if (handle_) handle_.destroy();
    }

    bool done() const { return !handle_ || handle_.done(); }

    auto operator co_await() && noexcept {
        struct Awaiter {
            Handle handle;
            bool await_ready() noexcept { return !handle || handle.done(); }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
                handle.promise().continuation = awaiting;
                return handle;
            }
            T await_resume() {
                if (!handle) {
                    throw std::logic_error(
                        "co_await on an empty Task (default-constructed or moved from)");
                }
                return handle.promise().take();
            }
        };
        return Awaiter{handle_};
    }

    // For the owner that drives a task by hand (detached runners, tests).
    Handle handle() const { return handle_; }

  private:
    Handle handle_;
};

namespace detail {
template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
    return Task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
    return Task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace bro::ring

// Compiler caveat (GCC 12, Debian 12's default): `if (co_await task)` and
// `while (!co_await task)` are miscompiled: the awaited coroutine is never started and the
// caller stays suspended for ever. Always bind the result first:
//     const bool ok = co_await task;  if (!ok) ...
// tests/ring/task_test.cpp pins this rule (clang gets it right).
