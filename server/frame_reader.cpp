#include "server/frame_reader.hpp"

#include <sys/socket.h>
#include <algorithm>
#include <cstring>

#include "ring/operations.hpp"

namespace bro::server {
namespace {
constexpr std::size_t kInitialBuffer = 512;
// Frames up to this size are read into a buffer of their own size at once.
constexpr std::size_t kGrowthFloor = 64 << 10;
// Large enough that one receive takes a whole client data chunk.
constexpr std::size_t kStreamingBuffer = kDataChunkBytes + protocol::kFrameHeaderBytes;
}  // namespace

ring::Task<ring::IoResult> FrameReader::receive_with_fds(std::span<std::uint8_t> space,
                                                         ring::StopToken stop) {
    const std::size_t max_fds = max_request_fds(limits_);
    std::vector<std::uint8_t> control(CMSG_SPACE(max_fds * sizeof(int)));
    iovec io{space.data(), space.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ring::IoResult result =
        co_await ring::ReceiveMessage(ring_, fd_, &message, MSG_CMSG_CLOEXEC).stop_on(stop);
    if (!result) co_return result;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
        for (std::size_t i = 0; i < count; ++i) received_fds_.emplace_back(fds[i]);
    }
    // The kernel truncates at the buffer (the client sent too many) or where it could not
    // install one more descriptor (the server has none left): only a short count tells.
    const std::size_t room = (control.size() - CMSG_LEN(0)) / sizeof(int);
    if ((message.msg_flags & MSG_CTRUNC) && received_fds_.size() < room) {
        received_fds_.clear();  // closes what did arrive
        throw ServerBusy(
            "the server is busy: it ran out of descriptors while receiving the request's; try "
            "again later");
    }
    if ((message.msg_flags & MSG_CTRUNC) || received_fds_.size() > max_fds) {
        received_fds_.clear();  // closes what did arrive
        const std::string text = "the request passes more than " + std::to_string(max_fds) +
                                 " descriptors, limit " + std::to_string(max_fds);
        // Below --max-fds the bound comes from the file-argument and forwarded-fd limits, which
        // the decoder then names.
        if (max_fds == limits_.max_fds) throw LimitExceeded(Limit::kFds, text);
        throw ProtocolViolation(text);
    }
    co_return result;
}

void FrameReader::prepare_for_streaming() {
    if (buffer_.size() < kStreamingBuffer) buffer_.resize(kStreamingBuffer);
}

ring::Task<bool> FrameReader::fill(std::size_t count, ring::StopToken stop, bool greedy) {
    while (end_ - begin_ < count) {
        if (begin_ > 0) {  // compact so the free space is at the end
            std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        // Grow with what has arrived, not with what a header announces: a client may declare
        // a 1 MiB request and send nothing more, and every idle connection would then hold
        // that much. Doubling keeps large requests to a handful of receives.
        const std::size_t wanted =
            std::max(kInitialBuffer, std::min(count, std::max(kGrowthFloor, 2 * end_)));
        if (buffer_.size() < wanted) buffer_.resize(wanted);
        auto space = std::span(buffer_).subspan(end_);
        if (!greedy) space = space.first(std::min(space.size(), count - (end_ - begin_)));
        // Not a ?: of two co_awaits: GCC 12 miscompiles co_await inside conditions.
        ring::IoResult received(0);
        if (accepting_fds_) {
            received = co_await receive_with_fds(space, stop);
        } else {
            received = co_await ring::Receive(ring_, fd_, space).stop_on(stop);
        }
        if (!received || received.value() == 0) co_return false;
        end_ += static_cast<std::size_t>(received.value());
    }
    co_return true;
}

ring::Task<std::optional<protocol::FrameHeader>> FrameReader::next_header(
    ring::StopToken stop, bool leave_payload_in_socket) {
    const bool filled = co_await fill(protocol::kFrameHeaderBytes, stop, !leave_payload_in_socket);
    if (!filled) co_return std::nullopt;
    auto decoded = protocol::decode_frame_header(
        std::span(buffer_).subspan(begin_, protocol::kFrameHeaderBytes), limits_);
    if (auto* error = std::get_if<protocol::FrameHeaderError>(&decoded)) {
        if (error->reason == protocol::FrameHeaderError::Reason::kTooLong &&
            error->type == static_cast<std::uint8_t>(protocol::FrameType::kRequest)) {
            throw LimitExceeded(Limit::kRequestBytes,
                                "request is " + std::to_string(error->length) + " bytes, limit " +
                                    std::to_string(error->limit));
        }
        throw ProtocolViolation(protocol::describe(*error));
    }
    begin_ += protocol::kFrameHeaderBytes;
    co_return std::get<protocol::FrameHeader>(decoded);
}

ring::Task<std::optional<std::span<const std::uint8_t>>> FrameReader::whole_payload(
    std::uint32_t length, ring::StopToken stop) {
    const bool filled = co_await fill(length, stop);
    if (!filled) co_return std::nullopt;
    co_return take_buffered(length);
}

ring::Task<std::optional<std::span<const std::uint8_t>>> FrameReader::payload_piece(
    std::size_t max, ring::StopToken stop) {
    if (buffered() == 0) {
        const bool filled = co_await fill(1, stop);
        if (!filled) co_return std::nullopt;
    }
    co_return take_buffered(max);
}

std::span<const std::uint8_t> FrameReader::take_buffered(std::size_t max) {
    const std::size_t count = std::min(max, buffered());
    std::span<const std::uint8_t> piece(buffer_.data() + begin_, count);
    begin_ += count;
    if (begin_ == end_) begin_ = end_ = 0;
    return piece;
}

}  // namespace bro::server
