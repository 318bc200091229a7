#pragma once
// A client that speaks the wire protocol by hand on a raw socket, for tests that must send what
// bro-client never would: partial frames, wrong versions, descriptors nobody asked for, one
// byte at a time. Frames are built with the real encoders (core/request_encoding.hpp,
// core/frame_encoding.hpp) and replies read with the client's decoders.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply_decoding.hpp"
#include "core/request_decoding.hpp"
#include "core/request_encoding.hpp"

namespace bro::test {

using Bytes = std::vector<std::uint8_t>;

// Appends one frame of `type` carrying `payload`.
void append_frame(Bytes& out, protocol::FrameType type, std::string_view payload = {});
// A Request frame for `request`.
Bytes request_frame(const protocol::RequestView& request);

struct ServerFrame {
    protocol::FrameType type = protocol::FrameType::kExit;
    Bytes payload;
};

// What the server sent on one connection.
struct Reply {
    std::vector<ServerFrame> frames;
    bool closed = false;     // the server closed the connection within the time limit
    bool malformed = false;  // a frame header did not decode, or the stream ended mid-frame

    // The Exit frame's shell code, if the last frame is a well-formed Exit.
    std::optional<int> exit_code() const;
    // The Error frame's message, or "" if the last frame is not an Error.
    std::string error() const;
    // Stdout frames' payloads, concatenated.
    std::string out() const;
};

// A new socket connected to `socket_path` (a path, or "@name" for an abstract socket), or -1
// with errno set.
int connect_unix_socket(const std::string& socket_path);

class RawConnection {
  public:
    // Connects to `socket_path`; a failure is recorded as a test failure (connected() false).
    explicit RawConnection(const std::string& socket_path);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    // Sends all of `bytes` (MSG_NOSIGNAL); false when the server has gone (EPIPE, ECONNRESET).
    bool send(std::span<const std::uint8_t> bytes);
    // Sends `bytes` in one sendmsg with `fds` attached as SCM_RIGHTS.
    bool send_with_fds(std::span<const std::uint8_t> bytes, std::span<const int> fds);
    void shutdown_write();
    void close();
    // Reads frames until the server closes the connection or `limit` passes.
    Reply read_reply(std::chrono::milliseconds limit = std::chrono::seconds(10));
    // True when the server closed the connection (or reset it) within `limit`, discarding any
    // bytes it sent first.
    bool closed_by_server_within(std::chrono::milliseconds limit);

  private:
    int fd_ = -1;
};

// Connects, sends `bytes` and reads the reply. The sending side stays open: the server takes
// a client that stops sending (end of stream) before the exit for one that vanished.
Reply send_and_read_reply(const std::string& socket_path, std::span<const std::uint8_t> bytes,
                          std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace bro::test
