#pragma once
// One awaitable per io_uring operation. Each prepares its SQE only when awaited, carries its
// own coroutine handle as the completion target, and is neither copyable nor movable (the
// kernel holds its address until the CQE arrives). `co_await` yields an IoResult.
//
// Buffers and msghdrs passed in must outlive the co_await; they do when they live in the
// awaiting coroutine's frame.

#include <linux/time_types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <span>

#include "ring/io_result.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"

namespace bro::ring {

// Shared plumbing: suspend, submit, resume with the result.
//
// Interruptions are handled here, once for every operation: an io-wq worker interrupted by a
// signal (EINTR, or a kernel restart code after the server was stopped and continued) did
// nothing, so the operation is submitted again, and no caller ever sees either. Only a stop
// requested through the token, or a cancellation asked for this operation (Ring::cancel,
// Cancel), makes an interrupted operation complete as cancelled. (Ring::cancel_fd cannot tell
// the operations it reaches: cancel a blocking io-wq operation through its token.)
//
// stop_on(token): when the token's source is stopped while the operation is in flight, the
// operation cancels its own SQE and completes with cancelled(); stopped before it starts, it
// completes with cancelled() without reaching the kernel.
//
// time_limit(duration): the kernel bounds the operation itself, with a timeout linked to its
// SQE (IORING_OP_LINK_TIMEOUT): no timer of the caller's, nothing to cancel, one submission.
// When the limit passes first the operation completes with timed_out() (-ETIME). It resumes
// the awaiting coroutine only once both CQEs are in, so neither refers to a dead frame.
template <typename Derived>
class SingleShot : public Operation, private StopCallback {
  public:
    explicit SingleShot(Ring& ring, int fd = -1) : ring_(ring), fd_(fd) {}

    struct Awaiter {
        SingleShot& operation;
        bool await_ready() const noexcept { return false; }
        bool await_suspend(std::coroutine_handle<> h) { return operation.await_suspend(h); }
        IoResult await_resume() const noexcept { return operation.await_resume(); }
        Awaiter time_limit(std::chrono::nanoseconds limit) { return operation.time_limit(limit); }
    };

    // `co_await Read(...).stop_on(token)`. Returns a small awaiter that refers to this
    // operation: GCC 12 copies an awaitable given to co_await as an lvalue, and operations
    // must not move.
    auto stop_on(StopToken token) {
        stop_ = token;
        return Awaiter{*this};
    }
    // `co_await Poll(...).time_limit(10s)`, also after stop_on(). A zero or negative limit
    // means none.
    auto time_limit(std::chrono::nanoseconds limit) {
        has_limit_ = limit.count() > 0;
        limit_.tv_sec = limit.count() / 1'000'000'000;
        limit_.tv_nsec = limit.count() % 1'000'000'000;
        return Awaiter{*this};
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        waiter_ = h;
        if (!stop_.register_callback(*this)) {
            res_ = -ECANCELED;
            return false;  // resume at once
        }
        ring_.submit(*this);
        return true;
    }
    IoResult await_resume() const noexcept { return IoResult(res_); }

    void complete(int res, bool /*more*/) override {
        res_ = res;
        request_done_ = true;
        if (!timeout_pending_) finish();
    }
    const __kernel_timespec* take_link_timeout() override {
        timeout_pending_ = has_limit_;
        timeout_fired_ = false;
        return has_limit_ ? &limit_ : nullptr;
    }
    void link_timeout_complete(int res) override {
        timeout_pending_ = false;
        // Fired: -ETIME when the kernel cancelled the request, else what that cancellation met
        // (-EALREADY: an io-wq worker runs it and was only signalled; the request then ends
        // interrupted, which must not be retried).
        timeout_fired_ = res != -ECANCELED;
        // Whichever of the two CQEs comes second finishes: the kernel promises no order.
        if (request_done_) finish();
    }
    int fd() const override { return fd_; }
    void cancel_requested() override { cancel_requested_ = true; }

  protected:
    Ring& ring_;
    int fd_;

  private:
    void on_stop() override { ring_.cancel(*this); }

    // Both CQEs are in (or the only one).
    void finish() {
        request_done_ = false;
        int res = res_;
        const bool interrupted = res == -EINTR || IoResult::is_kernel_restart_code(res);
        if (interrupted && !stop_.stop_requested() && !cancel_requested_ && !timeout_fired_) {
            ring_.submit(*this);  // with a fresh time limit, if it has one
            return;
        }
        if (timeout_fired_ && (res == -ECANCELED || interrupted) && !stop_.stop_requested()) {
            res = -ETIME;
        } else if (interrupted) {
            res = -ECANCELED;
        }
        StopToken::unregister(*this);
        res_ = res;
        waiter_.resume();
    }

    StopToken stop_;
    bool cancel_requested_ = false;
    bool has_limit_ = false;
    bool timeout_pending_ = false;
    bool timeout_fired_ = false;
    bool request_done_ = false;
    __kernel_timespec limit_{};
    std::coroutine_handle<> waiter_;
    int res_ = 0;
};

class Read final : public SingleShot<Read> {
  public:
    Read(Ring& ring, int fd, std::span<std::uint8_t> buffer, std::uint64_t offset = -1)
        : SingleShot(ring, fd), buffer_(buffer), offset_(offset) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_read(&sqe, fd_, buffer_.data(), static_cast<unsigned>(buffer_.size()),
                           offset_);
    }

  private:
    std::span<std::uint8_t> buffer_;
    std::uint64_t offset_;
};

class Write final : public SingleShot<Write> {
  public:
    Write(Ring& ring, int fd, std::span<const std::uint8_t> buffer, std::uint64_t offset = -1)
        : SingleShot(ring, fd), buffer_(buffer), offset_(offset) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_write(&sqe, fd_, buffer_.data(), static_cast<unsigned>(buffer_.size()),
                            offset_);
    }

  private:
    std::span<const std::uint8_t> buffer_;
    std::uint64_t offset_;
};

class Receive final : public SingleShot<Receive> {
  public:
    Receive(Ring& ring, int fd, std::span<std::uint8_t> buffer, int flags = 0)
        : SingleShot(ring, fd), buffer_(buffer), flags_(flags) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_recv(&sqe, fd_, buffer_.data(), buffer_.size(), flags_);
    }

  private:
    std::span<std::uint8_t> buffer_;
    int flags_;
};

// MSG_NOSIGNAL by default: a vanished peer must give EPIPE, never kill the server.
class Send final : public SingleShot<Send> {
  public:
    Send(Ring& ring, int fd, std::span<const std::uint8_t> buffer, int flags = MSG_NOSIGNAL)
        : SingleShot(ring, fd), buffer_(buffer), flags_(flags) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_send(&sqe, fd_, buffer_.data(), buffer_.size(), flags_);
    }

  private:
    std::span<const std::uint8_t> buffer_;
    int flags_;
};

// With MSG_CMSG_CLOEXEC in `flags`, received descriptors never leak into a child. The caller
// must check msg->msg_flags for MSG_CTRUNC afterwards.
class ReceiveMessage final : public SingleShot<ReceiveMessage> {
  public:
    ReceiveMessage(Ring& ring, int fd, msghdr* message, unsigned flags = MSG_CMSG_CLOEXEC)
        : SingleShot(ring, fd), message_(message), flags_(flags) {}
    void prepare(io_uring_sqe& sqe) override { io_uring_prep_recvmsg(&sqe, fd_, message_, flags_); }

  private:
    msghdr* message_;
    unsigned flags_;
};

class SendMessage final : public SingleShot<SendMessage> {
  public:
    SendMessage(Ring& ring, int fd, const msghdr* message, unsigned flags = MSG_NOSIGNAL)
        : SingleShot(ring, fd), message_(message), flags_(flags) {}
    void prepare(io_uring_sqe& sqe) override { io_uring_prep_sendmsg(&sqe, fd_, message_, flags_); }

  private:
    const msghdr* message_;
    unsigned flags_;
};

class Accept final : public SingleShot<Accept> {
  public:
    Accept(Ring& ring, int listen_fd) : SingleShot(ring, listen_fd) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_accept(&sqe, fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
};

// Note: the kernel runs IORING_OP_SPLICE on an io-wq worker thread, so each one costs a
// cross-thread hand-off; fine for bulk file content, measured slow for small relays.
// Ring::cancel_fd() can miss a splice: the kernel looks up a forced-async request's file only
// when a worker starts it, so a queued splice matches no fd (seen on 6.18). Cancel splices one
// by one with cancel() or Cancel.
class Splice final : public SingleShot<Splice> {
  public:
    Splice(Ring& ring, int fd_in, int fd_out, unsigned length, unsigned flags = 0)
        : SingleShot(ring, fd_in), fd_out_(fd_out), length_(length), flags_(flags) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_splice(&sqe, fd_, -1, fd_out_, -1, length_, flags_);
    }

  private:
    int fd_out_;
    unsigned length_;
    unsigned flags_;
};

// Completes with the ready poll mask (e.g. POLLIN) as the value.
class Poll final : public SingleShot<Poll> {
  public:
    Poll(Ring& ring, int fd, unsigned events) : SingleShot(ring, fd), events_(events) {}
    void prepare(io_uring_sqe& sqe) override { io_uring_prep_poll_add(&sqe, fd_, events_); }

  private:
    unsigned events_;
};

// Completes with timed_out() when the duration passes, cancelled() when cancelled first.
class Timeout final : public SingleShot<Timeout> {
  public:
    Timeout(Ring& ring, std::chrono::nanoseconds duration) : SingleShot(ring) {
        spec_.tv_sec = duration.count() / 1'000'000'000;
        spec_.tv_nsec = duration.count() % 1'000'000'000;
    }
    void prepare(io_uring_sqe& sqe) override { io_uring_prep_timeout(&sqe, &spec_, 0, 0); }

  private:
    __kernel_timespec spec_{};
};

// Cancels another operation and waits for the cancel request itself: value is 0 when the
// target was found (its own completion then carries -ECANCELED), error ENOENT when it had
// already completed, EALREADY when it was running and could not be stopped.
class Cancel final : public SingleShot<Cancel> {
  public:
    Cancel(Ring& ring, Operation& target) : SingleShot(ring), target_(target) {}
    void prepare(io_uring_sqe& sqe) override {
        target_.cancel_requested();
        io_uring_prep_cancel(&sqe, &target_, 0);
    }

  private:
    Operation& target_;
};

// IORING_OP_WAITID (kernel 6.7): waits for the child behind `pidfd` to exit and fills `info`.
// liburing 2.3 has no helper, so the SQE is filled by hand: len = idtype, fd = id,
// file_index = options (WEXITED, plus WNOWAIT to leave a zombie), addr2 = siginfo_t*.
class WaitId final : public SingleShot<WaitId> {
  public:
    static constexpr std::uint8_t kOpcode = 50;
    WaitId(Ring& ring, int pidfd, siginfo_t* info, int options = WEXITED)
        : SingleShot(ring, pidfd), info_(info), options_(options) {}
    void prepare(io_uring_sqe& sqe) override;

  private:
    siginfo_t* info_;
    int options_;
};

}  // namespace bro::ring
