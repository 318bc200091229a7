#include "client/standard_streams.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace bro::client {

StandardStreamRepair repair_standard_streams() {
    StandardStreamRepair repair;
    // poll() reports POLLNVAL for a closed fd without side effects on open ones (musl's
    // start-up uses the same check); one syscall instead of three fcntl()s.
    std::array<pollfd, 3> fds{{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}};
    int ready;
    do {
        ready = ::poll(fds.data(), fds.size(), 0);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return repair;  // nothing closed (or poll failed: nothing we can fix)
    for (int fd = 0; fd < 3; ++fd) {
        if (!(fds[fd].revents & POLLNVAL)) continue;
        repair.was_closed[fd] = true;
        // Lower fds are open by now, so open() returns `fd` itself.
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened < 0) {
            repair.failed = true;
            return repair;
        }
        if (opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
    return repair;
}

}  // namespace bro::client
