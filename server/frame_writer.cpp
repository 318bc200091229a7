#include "server/frame_writer.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "ring/nonblocking_splice.hpp"
#include "ring/operations.hpp"

namespace bro::server {

ring::Task<bool> FrameWriter::send(std::span<const std::uint8_t> frame, ring::StopToken stop) {
    const ring::AsyncLock lock = co_await mutex_.lock();
    co_return co_await send_unlocked(frame, stop);
}

ring::Task<bool> FrameWriter::send_from_pipe(protocol::FrameType type, int source,
                                             std::uint32_t length, ring::StopToken stop) {
    const ring::AsyncLock lock = co_await mutex_.lock();
    const auto header = protocol::encode_frame_header(type, length);
    const bool header_sent = co_await send_unlocked(header, stop);
    if (!header_sent) co_return false;
    // Stopped only by a deadline (the client stopped reading): a frame whose header went out
    // cannot be cut without losing the stream, so the writer is broken from then on. The
    // bytes are in the pipe already, so only the client's reading can hold it up.
    for (std::size_t left = length; left > 0;) {
        const ring::IoResult moved = co_await ring::splice_some(ring_, source, fd_, left, stop);
        if (!moved || moved.value() == 0) {
            broken_ = true;
            break;
        }
        left -= static_cast<std::size_t>(moved.value());
    }
    co_return !broken_;
}

ring::Task<bool> FrameWriter::send_unlocked(std::span<const std::uint8_t> bytes,
                                            ring::StopToken stop) {
    while (!bytes.empty() && !broken_) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(sent));
        } else if (errno == EAGAIN) {
            const ring::IoResult room = co_await ring::Poll(ring_, fd_, POLLOUT).stop_on(stop);
            if (!room) broken_ = true;
        } else if (errno != EINTR) {
            broken_ = true;
        }
    }
    co_return !broken_;
}

}  // namespace bro::server
