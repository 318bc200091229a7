#include "server/output_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ring/buffer_pool.hpp"
#include "ring/operations.hpp"

namespace bro::server {
namespace {

constexpr std::size_t kDefaultPipeBytes = 64 << 10;

// Bytes waiting in a pipe; 0 when empty (or on an error, which the next poll reports).
std::size_t bytes_waiting(int pipe) {
    int count = 0;
    if (::ioctl(pipe, FIONREAD, &count) != 0 || count < 0) return 0;
    return static_cast<std::size_t>(count);
}

// A pipe found full belongs to a child that streams: a bigger one lets it write more per
// wake-up, and each frame carry more. Only streaming calls pay for the fcntl.
bool grow_pipe(int pipe) {
    ::fcntl(pipe, F_SETPIPE_SZ, static_cast<int>(kStreamingPipeBytes));
    return true;  // tried once; a refusal (pipe-max-size) leaves the pipe as it was
}

}  // namespace

ring::Task<OutputEnd> relay_pipe_output(ring::Ring& ring, FrameWriter& writer, int pipe,
                                        protocol::FrameType type, ring::StopToken stop,
                                        std::uint64_t& relayed) {
    bool grown = false;
    for (;;) {
        const ring::IoResult ready = co_await ring::Poll(ring, pipe, POLLIN).stop_on(stop);
        if (!ready) co_return OutputEnd::kStopped;
        // Only this relay reads the pipe, so what FIONREAD counts is there for the splice.
        // A busy child refills it while a frame goes out: drain it before polling again. A
        // hang-up without POLLIN is an empty pipe (a child that printed nothing).
        const bool has_data = ready.value() & POLLIN;
        for (std::size_t waiting = has_data ? bytes_waiting(pipe) : 0; waiting > 0;
             waiting = bytes_waiting(pipe)) {
            if (stop.stop_requested()) co_return OutputEnd::kStopped;
            if (!grown && waiting >= kDefaultPipeBytes) grown = grow_pipe(pipe);
            const auto length = static_cast<std::uint32_t>(std::min(waiting, kDataChunkBytes));
            const bool sent = co_await writer.send_from_pipe(type, pipe, length, stop);
            if (!sent) co_return OutputEnd::kClientGone;
            relayed += length;
        }
        // POLLHUP: no writer was left when the poll completed, and the pipe is now empty.
        if (ready.value() & (POLLHUP | POLLERR)) co_return OutputEnd::kEndOfFile;
    }
}

ring::Task<OutputEnd> relay_terminal_output(ring::Ring& ring, FrameWriter& writer, int controller,
                                            protocol::FrameType type, ring::StopToken stop,
                                            std::uint64_t& relayed) {
    ring::BufferPool::Buffer buffer;
    for (;;) {
        const ring::IoResult ready = co_await ring::Poll(ring, controller, POLLIN).stop_on(stop);
        if (!ready) co_return OutputEnd::kStopped;
        if (!buffer.valid()) buffer = ring.buffers().take();
        const auto frame = buffer.bytes();
        const auto payload =
            frame.subspan(protocol::kFrameHeaderBytes,
                          std::min(frame.size() - protocol::kFrameHeaderBytes, kDataChunkBytes));
        for (;;) {
            const ssize_t got = ::read(controller, payload.data(), payload.size());
            if (got < 0 && errno == EINTR) continue;
            if (got < 0 && errno == EAGAIN) break;  // poll again
            // EIO: no process holds the terminal side open any more; like a pipe's end.
            if (got <= 0) co_return OutputEnd::kEndOfFile;
            const auto header =
                protocol::encode_frame_header(type, static_cast<std::uint32_t>(got));
            std::copy(header.begin(), header.end(), frame.begin());
            const bool sent = co_await writer.send(
                frame.first(protocol::kFrameHeaderBytes + static_cast<std::size_t>(got)), stop);
            if (!sent) co_return OutputEnd::kClientGone;
            relayed += static_cast<std::uint64_t>(got);
            if (stop.stop_requested()) co_return OutputEnd::kStopped;
        }
    }
}

}  // namespace bro::server
