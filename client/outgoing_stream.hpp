#pragma once
// What the client sends, in protocol order: the Request frame, each file argument's content as
// FileData frames ended by FileEnd, then (when streamed) stdin as StdinData frames ended by
// StdinEnd. Frames are built in place in one buffer (header, then the bytes read right behind
// it), so every byte is copied once by read() and once by send().
//
// The stream never blocks: regular files are read whenever the buffer is empty, stdin only
// after poll() said it is readable (wants_stdin()), and sending is left to the caller.
//
// A stdin that is a pipe is never copied through user space: each chunk is spliced into a
// private pipe first (which counts it exactly, whoever else reads the caller's pipe), its
// StdinData header goes out as pending(), and then the caller splices the payload from
// splice_source() into the socket (splice_left() bytes).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "client/byte_buffer.hpp"
#include "client/diagnostics.hpp"
#include "client/request_builder.hpp"
#include "core/limits.hpp"
#include "core/wire.hpp"

namespace bro::client {

class OutgoingStream {
  public:
    // Room for one full data frame plus a FileEnd, so a small file and its end go out together.
    static constexpr std::size_t kBufferBytes = 2 * protocol::kFrameHeaderBytes + kDataChunkBytes;

    // `request` must outlive the stream; its files are closed as their content is sent.
    // `stdin_splices`: stdin is a pipe. The buffer is allocated at the first file content or
    // copied stdin chunk: a call that streams neither allocates none.
    OutgoingStream(ClientRequest& request, int stdin_fd, bool stdin_splices = false);

    // Bytes waiting to be sent; call sent() with how many went out. Signal and WindowSize
    // frames go out between the other frames, never inside one, and only once the file
    // contents are sent (the server reads nothing else while it receives them).
    std::span<const std::uint8_t> pending() const {
        if (!pending_.empty() || phase_ == Phase::kFiles || splice_left_ > 0) return pending_;
        return std::span<const std::uint8_t>(control_).subspan(control_begin_,
                                                               control_end_ - control_begin_);
    }
    void sent(std::size_t count);

    // A StdinData payload waits in the private pipe, its header sent: splice it from
    // splice_source() into the socket, then call spliced() with each count moved.
    std::size_t splice_left() const { return pending_.empty() ? splice_left_ : 0; }
    int splice_source() const { return splice_pipe_[0]; }
    void spliced(std::size_t count) {
        splice_left_ -= count;
        bytes_sent_ += count;
    }

    // Queues a Signal frame for the program's process group. Returns false when the queue is
    // full (the caller keeps sending, and the signal is dropped, as a second one of a kind
    // pending in a process would be).
    bool queue_signal(int signal);
    // Queues a WindowSize frame (a terminal session). Never lost: when the queue is full the
    // latest size waits and is queued as soon as the queue has drained.
    void queue_window_size(const protocol::WindowSize& size);

    // True when the buffer is empty and file content remains: call fill_from_files().
    bool wants_files() const { return pending_.empty() && phase_ == Phase::kFiles; }
    // Reads file content into the buffer. False after reporting a read error.
    bool fill_from_files(const Diagnostics& diagnostics);

    // True when the buffer is empty and stdin should be polled for reading.
    bool wants_stdin() const {
        return pending_.empty() && splice_left_ == 0 && phase_ == Phase::kStdin;
    }
    // Reads what stdin has (call after poll() reported it readable). A read error ends stdin
    // like end of file. False only when the buffer could not be allocated (reported).
    bool read_stdin(const Diagnostics& diagnostics);

    // The server stopped reading (EPIPE, ECONNRESET): drop everything still to be sent.
    void stop();

    std::uint64_t bytes_sent() const { return bytes_sent_; }

    OutgoingStream(const OutgoingStream&) = delete;
    OutgoingStream& operator=(const OutgoingStream&) = delete;
    ~OutgoingStream();

  private:
    enum class Phase { kFiles, kStdin, kDone };

    void end_files();
    bool ensure_buffer(const Diagnostics& diagnostics);
    void queue_lone_header(protocol::FrameType type, std::size_t length);
    void end_stdin(const Diagnostics& diagnostics);
    // One chunk of a piped stdin into the private pipe; false when stdin cannot be spliced
    // after all (the caller falls back to read()).
    bool splice_stdin(const Diagnostics& diagnostics);
    void put_header(std::size_t at, protocol::FrameType type, std::size_t length);
    bool queue_control(protocol::FrameType type, std::span<const std::uint8_t> payload);

    ClientRequest& request_;
    int stdin_fd_;
    ByteBuffer buffer_;
    std::array<std::uint8_t, protocol::kFrameHeaderBytes> lone_header_{};
    std::span<const std::uint8_t> pending_;
    std::size_t next_file_ = 0;
    Phase phase_ = Phase::kFiles;
    std::uint64_t bytes_sent_ = 0;
    // Queued Signal and WindowSize frames, [control_begin_, control_end_) still to send.
    std::array<std::uint8_t, 16 * (protocol::kFrameHeaderBytes + 1)> control_{};
    std::size_t control_begin_ = 0, control_end_ = 0;
    std::optional<protocol::WindowSize> deferred_window_size_;  // waits for room in control_
    bool stdin_splices_;
    int splice_pipe_[2] = {-1, -1};  // made at the first chunk of a piped stdin
    std::size_t splice_left_ = 0;    // payload bytes in it, header queued or sent
};

}  // namespace bro::client
