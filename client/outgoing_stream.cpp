#include "client/outgoing_stream.hpp"

#include <algorithm>
#include <cerrno>

#include "client/fd_io.hpp"

namespace bro::client {

using protocol::FrameType;
using protocol::kFrameHeaderBytes;

OutgoingStream::OutgoingStream(ClientRequest& request, int stdin_fd)
    : request_(request), stdin_fd_(stdin_fd), buffer_(kBufferBytes), pending_(request.frame) {
    if (request.files.empty()) end_files();
}

void OutgoingStream::sent(std::size_t count) {
    bytes_sent_ += count;
    if (!pending_.empty()) {
        pending_ = pending_.subspan(count);
        return;
    }
    signals_begin_ += count;
    if (signals_begin_ == signals_end_) signals_begin_ = signals_end_ = 0;
}

bool OutgoingStream::queue_signal(int signal) {
    constexpr std::size_t kFrame = kFrameHeaderBytes + 1;
    if (signals_end_ + kFrame > signals_.size()) return false;
    const auto header = protocol::encode_frame_header(FrameType::kSignal, 1);
    std::copy(header.begin(), header.end(), signals_.begin() + signals_end_);
    signals_[signals_end_ + kFrameHeaderBytes] = static_cast<std::uint8_t>(signal);
    signals_end_ += kFrame;
    return true;
}

void OutgoingStream::put_header(std::size_t at, FrameType type, std::size_t length) {
    const auto header = protocol::encode_frame_header(type, static_cast<std::uint32_t>(length));
    std::copy(header.begin(), header.end(), buffer_.data() + at);
}

void OutgoingStream::end_files() {
    phase_ = request_.stdin_mode == protocol::StdinMode::kStreamed ? Phase::kStdin : Phase::kDone;
}

bool OutgoingStream::fill_from_files(const Diagnostics& diagnostics) {
    if (!wants_files()) return true;
    std::size_t used = 0;
    // Each pass needs room for a data header, at least one byte, and a possible FileEnd.
    while (next_file_ < request_.files.size() && buffer_.size() - used > 2 * kFrameHeaderBytes) {
        OpenedFileArgument& file = request_.files[next_file_];
        if (!file.own_file()) {  // its content went with the first argument naming it
            ++next_file_;
            continue;
        }
        const std::size_t room =
            std::min(kDataChunkBytes, buffer_.size() - used - 2 * kFrameHeaderBytes);
        const ssize_t n =
            read_retrying(file.fd.get(), {buffer_.data() + used + kFrameHeaderBytes, room});
        if (n < 0) {
            diagnostics.error("cannot read the file argument ", file.path, ": ",
                              SystemError{errno});
            return false;
        }
        if (n > 0) {
            put_header(used, FrameType::kFileData, static_cast<std::size_t>(n));
            used += kFrameHeaderBytes + static_cast<std::size_t>(n);
            continue;
        }
        put_header(used, FrameType::kFileEnd, 0);
        used += kFrameHeaderBytes;
        file.fd.reset();
        ++next_file_;
    }
    if (next_file_ == request_.files.size()) end_files();
    pending_ = {buffer_.data(), used};
    return true;
}

void OutgoingStream::read_stdin(const Diagnostics& diagnostics) {
    if (!wants_stdin()) return;
    const ssize_t n =
        read_retrying(stdin_fd_, {buffer_.data() + kFrameHeaderBytes, kDataChunkBytes});
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // inherited O_NONBLOCK
    if (n > 0) {
        put_header(0, FrameType::kStdinData, static_cast<std::size_t>(n));
        pending_ = {buffer_.data(), kFrameHeaderBytes + static_cast<std::size_t>(n)};
        return;
    }
    if (n < 0)
        diagnostics.debug("stdin read failed, treated as end of input: ", SystemError{errno});
    put_header(0, FrameType::kStdinEnd, 0);
    pending_ = {buffer_.data(), kFrameHeaderBytes};
    phase_ = Phase::kDone;
    diagnostics.debug("stdin ended");
}

void OutgoingStream::stop() {
    pending_ = {};
    signals_begin_ = signals_end_ = 0;
    phase_ = Phase::kDone;
    for (auto& file : request_.files) file.fd.reset();
}

}  // namespace bro::client
