#include "ring/nonblocking_splice.hpp"

#include <fcntl.h>
#include <poll.h>

#include <array>
#include <cerrno>

#include "ring/operations.hpp"

namespace bro::ring {

IoResult try_splice(int in, int out, std::size_t length) {
    for (;;) {
        const ssize_t moved =
            ::splice(in, nullptr, out, nullptr, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (moved >= 0) return IoResult(static_cast<int>(moved));
        if (errno != EINTR) return IoResult(-errno);
    }
}

Task<IoResult> wait_until_splice_ready(Ring& ring, int in, int out, StopToken stop) {
    std::array<pollfd, 2> sides{{{in, POLLIN, 0}, {out, POLLOUT, 0}}};
    int ready;
    do {
        ready = ::poll(sides.data(), sides.size(), 0);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) co_return IoResult(-errno);
    // An input at its end or in error shows POLLHUP or POLLERR: the next splice says which.
    const bool input_ready = sides[0].revents != 0;
    if (!input_ready) co_return co_await Poll(ring, in, POLLIN).stop_on(stop);
    const bool output_ready = sides[1].revents != 0;
    if (!output_ready) co_return co_await Poll(ring, out, POLLOUT).stop_on(stop);
    // Both look ready yet the splice would block (a socket whose buffer has only a little
    // room): wait for the output to drain further rather than spin.
    co_return co_await Poll(ring, out, POLLOUT).stop_on(stop);
}

Task<IoResult> splice_some(Ring& ring, int in, int out, std::size_t length, StopToken stop) {
    for (;;) {
        if (stop.stop_requested()) co_return IoResult(-ECANCELED);
        const IoResult moved = try_splice(in, out, length);
        if (moved.raw() != -EAGAIN) co_return moved;
        const IoResult ready = co_await wait_until_splice_ready(ring, in, out, stop);
        if (!ready) co_return ready;
    }
}

}  // namespace bro::ring
