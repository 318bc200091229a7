#include "client/outgoing_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace bro::client {
namespace {

// read(2) retried on EINTR. Returns the byte count, 0 at end of file, or -1 with errno set.
ssize_t read_retrying(int fd, std::span<std::uint8_t> into) {
    ssize_t n;
    do {
        n = ::read(fd, into.data(), into.size());
    } while (n < 0 && errno == EINTR);
    return n;
}

}  // namespace

using protocol::FrameType;
using protocol::kFrameHeaderBytes;

OutgoingStream::OutgoingStream(ClientRequest& request, int stdin_fd, bool stdin_splices)
    : request_(request),
      stdin_fd_(stdin_fd),
      pending_(request.frame),
      stdin_splices_(stdin_splices) {
    if (request.files.empty()) end_files();
}

OutgoingStream::~OutgoingStream() {
    for (const int fd : splice_pipe_) {
        if (fd >= 0) ::close(fd);
    }
}

void OutgoingStream::sent(std::size_t count) {
    bytes_sent_ += count;
    if (!pending_.empty()) {
        pending_ = pending_.subspan(count);
        return;
    }
    control_begin_ += count;
    if (control_begin_ != control_end_) return;
    control_begin_ = control_end_ = 0;
    if (deferred_window_size_) {
        queue_window_size(*deferred_window_size_);
        deferred_window_size_.reset();
    }
}

bool OutgoingStream::queue_control(FrameType type, std::span<const std::uint8_t> payload) {
    if (control_end_ + kFrameHeaderBytes + payload.size() > control_.size()) return false;
    const auto header =
        protocol::encode_frame_header(type, static_cast<std::uint32_t>(payload.size()));
    std::copy(header.begin(), header.end(), control_.begin() + control_end_);
    std::copy(payload.begin(), payload.end(), control_.begin() + control_end_ + kFrameHeaderBytes);
    control_end_ += kFrameHeaderBytes + payload.size();
    return true;
}

bool OutgoingStream::queue_signal(int signal) {
    const std::uint8_t payload = static_cast<std::uint8_t>(signal);
    return queue_control(FrameType::kSignal, {&payload, 1});
}

void OutgoingStream::queue_window_size(const protocol::WindowSize& size) {
    const auto payload = protocol::encode_window_size(size);
    if (!queue_control(FrameType::kWindowSize, payload)) deferred_window_size_ = size;
}

void OutgoingStream::put_header(std::size_t at, FrameType type, std::size_t length) {
    const auto header = protocol::encode_frame_header(type, static_cast<std::uint32_t>(length));
    std::copy(header.begin(), header.end(), buffer_.data() + at);
}

void OutgoingStream::end_files() {
    phase_ = request_.stdin_mode == protocol::StdinMode::kStreamed ? Phase::kStdin : Phase::kDone;
}

bool OutgoingStream::ensure_buffer(const Diagnostics& diagnostics) {
    if (buffer_.valid() || buffer_.allocate(kBufferBytes)) return true;
    diagnostics.error("out of memory for the relay buffer (", kBufferBytes, " bytes)");
    return false;
}

// A header of its own, for a frame whose payload does not pass through the buffer.
void OutgoingStream::queue_lone_header(FrameType type, std::size_t length) {
    const auto header = protocol::encode_frame_header(type, static_cast<std::uint32_t>(length));
    std::copy(header.begin(), header.end(), lone_header_.begin());
    pending_ = lone_header_;
}

bool OutgoingStream::fill_from_files(const Diagnostics& diagnostics) {
    if (!wants_files()) return true;
    if (!ensure_buffer(diagnostics)) return false;
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

bool OutgoingStream::read_stdin(const Diagnostics& diagnostics) {
    if (!wants_stdin()) return true;
    if (stdin_splices_ && splice_stdin(diagnostics)) return true;
    if (!ensure_buffer(diagnostics)) return false;
    const ssize_t n =
        read_retrying(stdin_fd_, {buffer_.data() + kFrameHeaderBytes, kDataChunkBytes});
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // inherited O_NONBLOCK
    if (n > 0) {
        put_header(0, FrameType::kStdinData, static_cast<std::size_t>(n));
        pending_ = {buffer_.data(), kFrameHeaderBytes + static_cast<std::size_t>(n)};
        return true;
    }
    if (n < 0)
        diagnostics.debug("stdin read failed, treated as end of input: ", SystemError{errno});
    end_stdin(diagnostics);
    return true;
}

bool OutgoingStream::splice_stdin(const Diagnostics& diagnostics) {
    if (splice_pipe_[0] < 0) {
        if (::pipe2(splice_pipe_, O_CLOEXEC) != 0) {
            diagnostics.debug("pipe2 for stdin failed, copying stdin instead: ",
                              SystemError{errno});
            stdin_splices_ = false;
            return false;
        }
        // Room for a whole chunk, so each frame carries as much as one may.
        ::fcntl(splice_pipe_[1], F_SETPIPE_SZ, static_cast<int>(kDataChunkBytes));
    }
    ssize_t n;
    do {
        n = ::splice(stdin_fd_, nullptr, splice_pipe_[1], nullptr, kDataChunkBytes,
                     SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        splice_left_ = static_cast<std::size_t>(n);
        queue_lone_header(FrameType::kStdinData, splice_left_);
        return true;
    }
    if (n < 0 && errno == EAGAIN) return true;  // nothing after all: poll again
    if (n < 0 && errno == EINVAL) {
        diagnostics.debug("stdin cannot be spliced, copying it instead");
        stdin_splices_ = false;
        return false;
    }
    if (n < 0)
        diagnostics.debug("stdin splice failed, treated as end of input: ", SystemError{errno});
    end_stdin(diagnostics);
    return true;
}

void OutgoingStream::end_stdin(const Diagnostics& diagnostics) {
    queue_lone_header(FrameType::kStdinEnd, 0);
    phase_ = Phase::kDone;
    diagnostics.debug("stdin ended");
}

void OutgoingStream::stop() {
    pending_ = {};
    splice_left_ = 0;
    control_begin_ = control_end_ = 0;
    deferred_window_size_.reset();
    phase_ = Phase::kDone;
    for (auto& file : request_.files) file.fd.reset();
}

}  // namespace bro::client
