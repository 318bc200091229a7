#pragma once
// Ring: one io_uring instance and the loop that turns its completions into coroutine resumes.
// Single-threaded by design (IORING_SETUP_SINGLE_ISSUER): every awaitable, task and callback
// runs on the thread that calls run_*().
//
// Invariant: at most `completion_capacity()` operations are in flight, so the completion queue
// can never overflow; further operations wait in a FIFO backlog until a completion frees room.

#include <liburing.h>
#include <linux/time_types.h>

#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <stdexcept>
#include <vector>

#include "ring/buffer_pool.hpp"
#include "ring/ring_features.hpp"
#include "ring/task.hpp"

namespace bro::ring {

// One io_uring request. The Ring passes the Operation's address as user data and calls
// complete() for each of its CQEs (several for multishot requests).
class Operation {
  public:
    Operation() = default;
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

    virtual void prepare(io_uring_sqe& sqe) = 0;
    // `more` is true when the kernel will post further CQEs for this request (multishot).
    virtual void complete(int res, bool more) = 0;
    // The descriptor the operation works on, so cancel_fd() can find it in the backlog.
    virtual int fd() const { return -1; }
    // Told when someone asks the kernel to cancel this operation (Ring::cancel, Cancel), so an
    // interrupted completion that follows is taken as the cancellation, not retried.
    virtual void cancel_requested() {}
    // Asked once per submission, right after prepare(): a time limit to link to this request
    // (IORING_OP_LINK_TIMEOUT, submitted in the same batch), or null. The timeout's own CQE
    // goes to link_timeout_complete(): -ECANCELED when the request finished first; when it
    // fired, -ETIME if the kernel cancelled the request, or the error that cancellation met
    // (-EALREADY: an io-wq worker is running it and was signalled; its CQE may come much
    // later). Both CQEs always arrive.
    virtual const __kernel_timespec* take_link_timeout() { return nullptr; }
    virtual void link_timeout_complete(int /*res*/) {}

  protected:
    ~Operation() = default;
};

struct RingOptions {
    unsigned submission_entries = 256;
    unsigned completion_entries = 8192;
    // The buffer pool's buffers (buffers()): size, and how many returned ones it keeps.
    std::size_t buffer_bytes = 128 << 10;
    std::size_t kept_buffers = 8;
    // Tests force the fallback paths by clearing features here.
    std::function<void(RingFeatures&)> adjust_features;
};

struct DetachedTask;

class Ring {
  public:
    explicit Ring(RingOptions options = {});
    ~Ring();
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    const RingFeatures& features() const { return features_; }
    // Relay buffers for whatever runs on this ring, taken when needed (buffer_pool.hpp).
    BufferPool& buffers() { return buffers_; }

    // Queues `op` for submission (or in the backlog when the completion queue is full).
    void submit(Operation& op);
    // Requests cancellation of `op`; its completion arrives with -ECANCELED unless it already
    // finished. An operation still in the backlog never reaches the kernel: it completes with
    // -ECANCELED on the next loop iteration, never inside the caller's stack.
    void cancel(Operation& op);
    // Cancels every in-flight operation on `fd` (IORING_ASYNC_CANCEL_FD, kernel 5.19), and
    // the backlogged ones as cancel() does.
    void cancel_fd(int fd);

    // Resumes `h` on the next loop iteration instead of nesting it in the caller's stack.
    void post(std::coroutine_handle<> h) { ready_.push_back(h); }

    // Starts `task` now and lets it run to completion on its own; the Ring keeps count.
    // An exception escaping it goes to `on_detached_error`.
    void spawn(Task<void> task);
    std::size_t detached_tasks() const { return detached_; }
    std::function<void(std::exception_ptr)> on_detached_error;

    // Processes completions (waiting for at least one when `wait`) and posted resumes.
    void run_once(bool wait = true);
    // Runs until `done()` is true. Returns false if nothing could make progress any more
    // (no operation in flight and nothing posted) while `done()` was still false.
    bool run_until(const std::function<bool()>& done);
    // Runs `task` to completion and returns its result (tests and main()).
    template <typename T>
    T run(Task<T> task);

    // IORING_REGISTER_PERSONALITY (5.6): the calling thread's credentials as they are now,
    // under an id an SQE can name (sqe->personality) to run with them. The id, or -errno.
    int register_personality();
    void unregister_personality(int id);
    // Room for `extra` more io-wq workers for blocking (bounded) work, beyond the kernel's
    // default (4 per CPU), for operations that may stay blocked on a hung filesystem. False
    // when the kernel refuses (IORING_REGISTER_IOWQ_MAX_WORKERS, 5.15).
    bool add_bounded_workers(unsigned extra);

    std::size_t in_flight() const { return in_flight_; }
    std::size_t completion_capacity() const { return capacity_; }

  private:
    static DetachedTask run_detached(Ring& ring, Task<void> task);
    io_uring_sqe& next_sqe();
    void start(Operation& op);
    void drain_backlog();
    // Completes (with -ECANCELED) the operations cancel() took out of the backlog.
    void complete_cancelled_backlog();

    io_uring ring_{};
    RingFeatures features_;
    BufferPool buffers_;
    std::size_t capacity_ = 0;
    std::size_t in_flight_ = 0;
    std::deque<Operation*> backlog_;
    std::vector<Operation*> cancelled_backlog_;
    std::vector<std::coroutine_handle<>> ready_;
    std::size_t detached_ = 0;
};

template <typename T>
T Ring::run(Task<T> task) {
    // The task's continuation stays the no-op coroutine, so its final suspend returns here.
    auto handle = task.handle();
    handle.resume();
    if (!run_until([&] { return handle.done(); })) {
        throw std::logic_error("Ring::run: the task waits for something that can never happen");
    }
    return handle.promise().take();
}

}  // namespace bro::ring
