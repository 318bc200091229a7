#include "hung_mount.hpp"

#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace bro::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

// The reply to FUSE_INIT: the kernel's own protocol version, no optional features.
void answer_init(int device, const fuse_in_header& request) {
    struct {
        fuse_out_header header;
        fuse_init_out init;
    } reply{};
    reply.header.len = sizeof reply;
    reply.header.unique = request.unique;
    reply.init.major = FUSE_KERNEL_VERSION;
    reply.init.minor = FUSE_KERNEL_MINOR_VERSION;
    reply.init.max_write = 4096;
    reply.init.time_gran = 1;
    if (write(device, &reply, sizeof reply) != static_cast<ssize_t>(sizeof reply)) {
        fail("write FUSE_INIT reply");
    }
}

}  // namespace

std::optional<std::string> HungMount::why_unavailable() {
    if (geteuid() != 0) return "needs root (mounting a FUSE filesystem); CI runs as root";
    if (access("/dev/fuse", R_OK | W_OK) != 0) return "needs /dev/fuse, which is missing here";
    return std::nullopt;
}

HungMount::HungMount(const std::string& mountpoint) : mountpoint_(mountpoint) {
    device_.reset(open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (!device_) fail("open /dev/fuse");
    stop_.reset(eventfd(0, EFD_CLOEXEC));
    if (!stop_) fail("eventfd");
    const std::string options =
        "fd=" + std::to_string(device_.get()) + ",rootmode=40000,user_id=0,group_id=0,allow_other";
    if (mount("hung", mountpoint_.c_str(), "fuse.hung", MS_NOSUID | MS_NODEV, options.c_str()) !=
        0) {
        fail("mount fuse.hung on " + mountpoint_);
    }
    daemon_ = std::thread([this] { serve(); });
}

HungMount::~HungMount() {
    abort();
    umount2(mountpoint_.c_str(), MNT_DETACH);
}

void HungMount::abort() {
    const std::uint64_t one = 1;
    (void)!write(stop_.get(), &one, sizeof one);
    if (daemon_.joinable()) daemon_.join();
    device_.reset();  // the last descriptor of the connection: every waiting request fails
}

void HungMount::serve() {
    std::vector<char> buffer(FUSE_MIN_READ_BUFFER + (1 << 20));
    for (;;) {
        pollfd fds[2] = {{device_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        const ssize_t n = read(device_.get(), buffer.data(), buffer.size());
        if (n < static_cast<ssize_t>(sizeof(fuse_in_header))) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT)) continue;
            return;  // the connection was aborted or unmounted
        }
        fuse_in_header request;
        std::memcpy(&request, buffer.data(), sizeof request);
        if (request.opcode == FUSE_INIT) {
            answer_init(device_.get(), request);
        } else if (request.opcode != FUSE_INTERRUPT) {
            ++unanswered_;
        }
    }
}

}  // namespace bro::test
