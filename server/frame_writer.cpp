#include "server/frame_writer.hpp"

#include "ring/operations.hpp"

namespace bro::server {

ring::Task<bool> FrameWriter::send(std::span<const std::uint8_t> frame, ring::StopToken stop) {
    const ring::AsyncLock lock = co_await mutex_.lock();
    while (!frame.empty() && !broken_) {
        const ring::IoResult sent = co_await ring::Send(ring_, fd_, frame).stop_on(stop);
        if (!sent) {
            broken_ = true;
            break;
        }
        frame = frame.subspan(static_cast<std::size_t>(sent.value()));
    }
    co_return !broken_;
}

}  // namespace bro::server
