#include "server/file_upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

#include "ring/nonblocking_splice.hpp"
#include "ring/operations.hpp"
#include "ring/write_all.hpp"
#include "server/session_errors.hpp"

namespace bro::server {
namespace {

// A bigger pipe moves more per splice; each io_uring splice is an io-wq hand-off.
constexpr std::size_t kSpliceChunk = 1 << 20;
// What a pipe holds when F_SETPIPE_SZ is refused (over /proc/sys/fs/pipe-max-size).
constexpr std::size_t kDefaultPipeBytes = 64 << 10;

}  // namespace

ring::Task<std::optional<std::vector<std::string>>> FileUpload::receive(
    const protocol::Request& request, SessionDirectory& directory, ring::StopToken stop) {
    std::vector<std::string> paths;
    for (std::size_t index = 0; index < request.files.size(); ++index) {
        const auto& argument = request.files[index];
        if (!argument.own_file()) {  // named earlier: the same copy serves both arguments
            paths.push_back(paths[argument.same_as]);
            continue;
        }
        std::string path;
        const UniqueFd file = directory.create_file(index, argument.basename, path);
        bool received = co_await receive_file(file.get(), index, stop);
        if (received) received = co_await flush_to_file(file.get(), stop);
        if (!received) co_return std::nullopt;
        spdlog::debug("session {}: file argument {} received as {}", session_id_, index, path);
        paths.push_back(std::move(path));
    }
    co_return paths;
}

ring::Task<bool> FileUpload::receive_file(int file, std::size_t index, ring::StopToken stop) {
    for (;;) {
        const auto header = co_await reader_.next_header(stop, /*leave_payload_in_socket=*/true);
        if (!header) co_return false;
        activity_.touch();
        if (header->type == protocol::FrameType::kFileEnd) co_return true;
        if (header->type != protocol::FrameType::kFileData) {
            throw ProtocolViolation(std::string("expected FileData or FileEnd, got ") +
                                    protocol::frame_name(header->type));
        }
        uploaded_ += header->length;
        check_total(index);
        const bool copied = co_await copy_payload(file, header->length, stop);
        if (!copied) co_return false;
    }
}

void FileUpload::check_total(std::size_t file_index) const {
    const std::size_t limit = limits_.max_file_bytes;
    if (uploaded_ <= limit) return;
    throw LimitExceeded(Limit::kFileBytes, "file arguments hold more than " +
                                               std::to_string(limit) + " bytes (at file argument " +
                                               std::to_string(file_index + 1) + "), limit " +
                                               std::to_string(limit));
}

// Socket -> pipe on the ring's thread (nonblocking splice), as the bytes arrive; pipe -> file
// through the ring's IORING_OP_SPLICE (a regular file has no readiness to poll, so that side
// runs on an io-wq worker), once half the pipe is full or the file is complete: one worker
// hand-off per half MiB, not per frame.
ring::Task<bool> FileUpload::copy_payload(int file, std::uint32_t length, ring::StopToken stop) {
    std::size_t remaining = length;
    if (reader_.buffered() > 0) {
        const bool flushed = co_await flush_to_file(file, stop);  // keeps the bytes in order
        if (!flushed) co_return false;
        const auto piece = reader_.take_buffered(remaining);
        remaining -= piece.size();
        const std::error_code error = co_await ring::write_all(ring_, file, piece, stop);
        if (error) throw std::system_error(error, "write file argument");
    }
    if (remaining > 0 && !splice_read_) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe2");
        }
        splice_read_.reset(fds[0]);
        splice_write_.reset(fds[1]);
        const int size = fcntl(splice_write_.get(), F_SETPIPE_SZ, static_cast<int>(kSpliceChunk));
        pipe_capacity_ = size > 0 ? static_cast<std::size_t>(size) : kDefaultPipeBytes;
    }
    while (remaining > 0) {
        const std::size_t room = pipe_capacity_ - in_pipe_;
        const ring::IoResult in = co_await ring::splice_some(ring_, socket_, splice_write_.get(),
                                                             std::min(remaining, room), stop);
        if (!in || in.value() == 0) co_return false;  // the client went away mid-file, or stop
        activity_.touch();
        remaining -= static_cast<std::size_t>(in.value());
        in_pipe_ += static_cast<std::size_t>(in.value());
        if (in_pipe_ >= pipe_capacity_ / 2) {
            const bool flushed = co_await flush_to_file(file, stop);
            if (!flushed) co_return false;
        }
    }
    co_return true;
}

ring::Task<bool> FileUpload::flush_to_file(int file, ring::StopToken stop) {
    while (in_pipe_ > 0) {
        const ring::IoResult out =
            co_await ring::Splice(ring_, splice_read_.get(), file, static_cast<unsigned>(in_pipe_))
                .stop_on(stop);
        if (out.cancelled()) co_return false;
        if (!out || out.value() == 0) throw std::system_error(out.error(), "write file argument");
        in_pipe_ -= static_cast<std::size_t>(out.value());
    }
    co_return true;
}

}  // namespace bro::server
