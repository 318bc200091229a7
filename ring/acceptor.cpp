#include "ring/acceptor.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace bro::ring {

Acceptor::Acceptor(Ring& ring, int listen_fd, bool nonblocking)
    : ring_(ring),
      listen_fd_(listen_fd),
      multishot_(ring.features().multishot_accept),
      socket_flags_(SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0)) {}

void Acceptor::arm() {
    if (armed_ || stopped_) return;
    armed_ = true;
    ring_.submit(*this);
}

void Acceptor::prepare(io_uring_sqe& sqe) {
    if (multishot_) {
        io_uring_prep_multishot_accept(&sqe, listen_fd_, nullptr, nullptr, socket_flags_);
    } else {
        io_uring_prep_accept(&sqe, listen_fd_, nullptr, nullptr, socket_flags_);
    }
}

void Acceptor::complete(int res, bool more) {
    if (!more) armed_ = false;
    if (stopped_ && res >= 0) {
        ::close(res);  // raced with stop(): nobody will take this connection
        res = -ECANCELED;
    }
    if (multishot_ && !more && res == -EINVAL && results_.empty() && !stopped_) {
        multishot_ = false;  // the kernel refused multishot: fall back for good
        arm();
        return;
    }
    results_.push_back(IoResult(res));
    if (!stopped_ && !armed_ && res >= 0) arm();
    if (auto h = std::exchange(waiter_, {})) h.resume();
}

void Acceptor::stop() {
    stopped_ = true;
    if (armed_) {
        ring_.cancel(*this);
    } else if (auto h = std::exchange(waiter_, {})) {
        results_.push_back(IoResult(-ECANCELED));
        h.resume();
    }
}

}  // namespace bro::ring
