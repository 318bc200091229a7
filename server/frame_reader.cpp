#include "server/frame_reader.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "ring/operations.hpp"

namespace bro::server {
namespace {
constexpr std::size_t kInitialBuffer = 512;
// Frames up to this size are read into a buffer of their own size at once.
constexpr std::size_t kGrowthFloor = 64 << 10;
// Large enough that one receive takes a whole client data chunk (payload_piece).
constexpr std::size_t kStreamingBuffer = kDataChunkBytes + protocol::kFrameHeaderBytes;
}  // namespace

ring::Task<ring::IoResult> FrameReader::receive_with_fds(std::span<std::uint8_t> space,
                                                         ring::StopToken stop) {
    const std::size_t max_fds = max_request_fds(limits_);
    // In the coroutine's frame, which is allocated anyway: no allocation of its own.
    alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(kMaxFdsPerMessage * sizeof(int))> control;
    iovec io{space.data(), space.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = CMSG_SPACE(max_fds * sizeof(int));
    const ring::IoResult result = co_await receive_message(message, stop);
    if (!result) co_return result;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
        received_fds_.reserve(received_fds_.size() + count);
        for (std::size_t i = 0; i < count; ++i) received_fds_.emplace_back(fds[i]);
    }
    // The kernel truncates at the buffer (the client sent too many) or where it could not
    // install one more descriptor (the server has none left): only a short count tells.
    const std::size_t room = (CMSG_SPACE(max_fds * sizeof(int)) - CMSG_LEN(0)) / sizeof(int);
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

void FrameReader::reserve(std::size_t size) {
    if (capacity_ >= size) return;
    auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(size);
    if (end_ > begin_) std::memcpy(grown.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buffer_ = std::move(grown);
    capacity_ = size;
}

// When more is likely waiting (a Session starts once its first bytes are there; a streaming
// client's next frame follows the last one), the receive is tried at once, with MSG_DONTWAIT on
// the ring's thread, and goes through the ring only if the socket turns out empty. Otherwise,
// as for the first frame after the Request, which a client sends only when it has something
// to say, it goes straight to the ring.
ring::Task<ring::IoResult> FrameReader::receive_message(msghdr& message, ring::StopToken stop) {
    if (stop.stop_requested()) co_return ring::IoResult(-ECANCELED);
    const std::size_t room = message.msg_iov->iov_len;
    const int flags = message.msg_control != nullptr ? MSG_CMSG_CLOEXEC : 0;
    while (more_waiting_) {
        const ssize_t got = ::recvmsg(fd_, &message, flags | MSG_DONTWAIT);
        if (got >= 0) {
            more_waiting_ = static_cast<std::size_t>(got) == room;
            co_return ring::IoResult(static_cast<int>(got));
        }
        if (errno == EAGAIN) break;
        if (errno != EINTR) co_return ring::IoResult(-errno);
    }
    ring::IoResult got(0);
    if (flags != 0) {
        got = co_await ring::ReceiveMessage(ring_, fd_, &message, flags).stop_on(stop);
    } else {
        const std::span<std::uint8_t> space(static_cast<std::uint8_t*>(message.msg_iov->iov_base),
                                            room);
        got = co_await ring::Receive(ring_, fd_, space).stop_on(stop);
    }
    more_waiting_ = got && static_cast<std::size_t>(got.value()) == room;
    co_return got;
}

ring::Task<bool> FrameReader::fill(std::size_t count, ring::StopToken stop, bool greedy) {
    while (end_ - begin_ < count) {
        if (begin_ > 0) {  // compact so the free space is at the end
            std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        // Grow with what has arrived, not with what a header announces: a client may declare
        // a 1 MiB request and send nothing more, and every idle connection would then hold
        // that much. Doubling keeps large requests to a handful of receives.
        reserve(std::max(kInitialBuffer, std::min(count, std::max(kGrowthFloor, 2 * end_))));
        auto space = std::span(buffer_.get(), capacity_).subspan(end_);
        if (!greedy) space = space.first(std::min(space.size(), count - (end_ - begin_)));
        // Not a ?: of two co_awaits: GCC 12 miscompiles co_await inside conditions.
        ring::IoResult received(0);
        if (accepting_fds_) {
            received = co_await receive_with_fds(space, stop);
        } else {
            iovec io{space.data(), space.size()};
            msghdr message{};
            message.msg_iov = &io;
            message.msg_iovlen = 1;
            received = co_await receive_message(message, stop);
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
        std::span<const std::uint8_t>(buffer_.get() + begin_, protocol::kFrameHeaderBytes),
        limits_);
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
        // Payloads taken piece by piece (a terminal's stdin, a discarded rest): let one
        // receive take a whole chunk.
        reserve(std::min(max, kStreamingBuffer));
        const bool filled = co_await fill(1, stop);
        if (!filled) co_return std::nullopt;
    }
    co_return take_buffered(max);
}

std::span<const std::uint8_t> FrameReader::take_buffered(std::size_t max) {
    const std::size_t count = std::min(max, buffered());
    std::span<const std::uint8_t> piece(buffer_.get() + begin_, count);
    begin_ += count;
    if (begin_ == end_) begin_ = end_ = 0;
    return piece;
}

}  // namespace bro::server
