#pragma once
// Accepts connections on a listening socket. Uses one multishot accept request where the
// kernel supports it (5.19), so each new connection costs one CQE and no new SQE; otherwise
// re-arms a single-shot accept after each connection. Accepted sockets are SOCK_CLOEXEC, and
// SOCK_NONBLOCK when asked (for splice(2) into them: nonblocking_splice.hpp).

#include <coroutine>
#include <deque>

#include "ring/io_result.hpp"
#include "ring/ring.hpp"

namespace bro::ring {

class Acceptor final : public Operation {
  public:
    Acceptor(Ring& ring, int listen_fd, bool nonblocking = false);
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;
    // The owner must stop() and wait until !active() before destroying an Acceptor.
    ~Acceptor() = default;

    // The next accepted fd, or an error (cancelled() once stop() was called).
    auto next() {
        struct Awaiter {
            Acceptor& acceptor;
            bool await_ready() { return !acceptor.results_.empty(); }
            void await_suspend(std::coroutine_handle<> h) {
                acceptor.waiter_ = h;
                acceptor.arm();
            }
            IoResult await_resume() {
                IoResult r = acceptor.results_.front();
                acceptor.results_.pop_front();
                return r;
            }
        };
        if (results_.empty() && stopped_) results_.push_back(IoResult(-ECANCELED));
        return Awaiter{*this};
    }

    // Cancels the pending accept; a waiting next() completes with cancelled().
    void stop();
    // True while the kernel still holds a request that points at this object.
    bool active() const { return armed_; }

    void prepare(io_uring_sqe& sqe) override;
    void complete(int res, bool more) override;
    int fd() const override { return listen_fd_; }

  private:
    void arm();

    Ring& ring_;
    int listen_fd_;
    bool multishot_;
    int socket_flags_;
    bool armed_ = false;
    bool stopped_ = false;
    std::coroutine_handle<> waiter_;
    std::deque<IoResult> results_;
};

}  // namespace bro::ring
