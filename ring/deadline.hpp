#pragma once
// Deadlines as a primitive: a timer raced against the work it bounds, sharing a StopSource.
//
//   StopSource stop;
//   const bool expired = co_await with_deadline(ring, 10s, stop, receive(stop.token()));
//
// When the time runs out first, stop is requested: every operation the work awaits with
// stop_on(token) completes cancelled and the work ends as it handles that. When the work ends
// first, the timer is cancelled. Either way both have finished when with_deadline returns,
// so nothing it started is left in flight. A zero or negative limit means no deadline.
//
// For one operation: `co_await with_deadline(ring, 2s, Read(ring, fd, buffer))` gives the
// operation's IoResult, or timed_out() when the deadline came first.
//
// An idle deadline bounds the time without progress instead of the whole: the work calls
// activity.touch() whenever it gets somewhere (bytes arrived), and is stopped once `limit`
// passes without a touch. `co_await with_idle_deadline(ring, 10s, stop, activity, work)`.

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "ring/io_result.hpp"
#include "ring/operations.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "ring/when_all.hpp"

namespace bro::ring {

// Waits `duration` unless `stop` is requested first: true when the time ran out.
inline Task<bool> sleep_for(Ring& ring, std::chrono::nanoseconds duration, StopToken stop) {
    const IoResult waited = co_await Timeout(ring, duration).stop_on(stop);
    co_return waited.timed_out();
}

// When the work last got somewhere, for an idle deadline.
class Activity {
  public:
    Activity() : last_(std::chrono::steady_clock::now()) {}
    void touch() { last_ = std::chrono::steady_clock::now(); }
    std::chrono::steady_clock::time_point last() const { return last_; }

  private:
    std::chrono::steady_clock::time_point last_;
};

namespace detail {

// Requests `work_stop` once `limit` passes without activity, unless `timer_stop` ends the wait
// first. One timer per idle period, not one per touch.
inline Task<void> expire_when_idle(Ring& ring, std::chrono::nanoseconds limit,
                                   const Activity& activity, StopToken timer_stop,
                                   StopSource& work_stop, bool& expired) {
    for (;;) {
        const auto idle = std::chrono::steady_clock::now() - activity.last();
        if (idle >= limit) {
            expired = true;
            work_stop.request_stop();
            co_return;
        }
        const IoResult waited = co_await Timeout(ring, limit - idle).stop_on(timer_stop);
        if (!waited.timed_out()) co_return;
    }
}

// Requests `work_stop` when `limit` passes, unless `timer_stop` ends the wait first.
inline Task<void> expire_after(Ring& ring, std::chrono::nanoseconds limit, StopToken timer_stop,
                               StopSource& work_stop, bool& expired) {
    const IoResult waited = co_await Timeout(ring, limit).stop_on(timer_stop);
    expired = waited.timed_out();
    if (expired) work_stop.request_stop();
}

// Runs `work` into `result`, then stops the timer (also when the work throws).
template <typename T, typename Result>
Task<void> finish_then_stop(Task<T> work, Result& result, StopSource& timer_stop) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(work);
        } else {
            result.emplace(co_await std::move(work));
        }
    } catch (...) {
        timer_stop.request_stop();
        throw;
    }
    timer_stop.request_stop();
}

template <typename Operation>
Task<IoResult> await_operation(Operation& operation, StopToken stop) {
    co_return co_await operation.stop_on(stop);
}

}  // namespace detail

// What the work returned (also when the deadline stopped it: stopped work still ends by
// returning) and whether the deadline expired first.
template <typename T>
struct Deadlined {
    std::optional<T> value;
    bool expired = false;
};

// Runs `work` (which observes `stop`) with a deadline; returns true when it expired. The work's
// exception, if any, is rethrown once both have finished.
inline Task<bool> with_deadline(Ring& ring, std::chrono::nanoseconds limit, StopSource& stop,
                                Task<void> work) {
    if (limit.count() <= 0) {
        co_await std::move(work);
        co_return false;
    }
    StopSource timer_stop;
    bool expired = false;
    bool unused = false;
    co_await when_all(detail::finish_then_stop(std::move(work), unused, timer_stop),
                      detail::expire_after(ring, limit, timer_stop.token(), stop, expired));
    co_return expired;
}

template <typename T>
Task<Deadlined<T>> with_deadline(Ring& ring, std::chrono::nanoseconds limit, StopSource& stop,
                                 Task<T> work) {
    Deadlined<T> outcome;
    if (limit.count() <= 0) {
        outcome.value.emplace(co_await std::move(work));
        co_return outcome;
    }
    StopSource timer_stop;
    co_await when_all(detail::finish_then_stop(std::move(work), outcome.value, timer_stop),
                      detail::expire_after(ring, limit, timer_stop.token(), stop, outcome.expired));
    co_return outcome;
}

// Runs `work` (which observes `stop` and touches `activity` as it progresses) until it ends
// or `limit` passes without a touch. A zero or negative limit means no deadline.
template <typename T>
Task<Deadlined<T>> with_idle_deadline(Ring& ring, std::chrono::nanoseconds limit, StopSource& stop,
                                      const Activity& activity, Task<T> work) {
    Deadlined<T> outcome;
    if (limit.count() <= 0) {
        outcome.value.emplace(co_await std::move(work));
        co_return outcome;
    }
    StopSource timer_stop;
    co_await when_all(
        detail::finish_then_stop(std::move(work), outcome.value, timer_stop),
        detail::expire_when_idle(ring, limit, activity, timer_stop.token(), stop, outcome.expired));
    co_return outcome;
}

// One operation with a deadline: its result, or -ETIME (timed_out()) when the deadline
// cancelled it. `operation` is usually a temporary, alive until the co_await's full
// expression ends, which includes the whole wait.
template <typename Operation>
requires std::is_base_of_v<SingleShot<std::remove_cvref_t<Operation>>,
                           std::remove_cvref_t<Operation>>
    Task<IoResult> with_deadline(Ring& ring, std::chrono::nanoseconds limit,
                                 Operation&& operation) {
    StopSource stop;
    auto outcome =
        co_await with_deadline(ring, limit, stop, detail::await_operation(operation, stop.token()));
    if (outcome.expired && outcome.value->cancelled()) co_return IoResult(-ETIME);
    co_return *outcome.value;
}

}  // namespace bro::ring
