#include "raw_connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "core/frame_encoding.hpp"
#include "core/socket_address.hpp"

namespace bro::test {

using Clock = std::chrono::steady_clock;

void append_frame(Bytes& out, protocol::FrameType type, std::string_view payload) {
    protocol::encode_frame(type, out, [&](ByteWriter& writer) { writer.bytes(payload); });
}

Bytes request_frame(const protocol::RequestView& request) {
    Bytes out;
    protocol::encode_request(request, out);
    return out;
}

std::optional<int> Reply::exit_code() const {
    if (frames.empty() || frames.back().type != protocol::FrameType::kExit) return std::nullopt;
    const auto decoded = protocol::decode_exit(frames.back().payload, ProtocolLimits{});
    const auto* report = std::get_if<protocol::ExitReport>(&decoded);
    if (report == nullptr) return std::nullopt;
    return report->status.shell_code();
}

std::string Reply::error() const {
    if (frames.empty() || frames.back().type != protocol::FrameType::kError) return "";
    const auto decoded = protocol::decode_error(frames.back().payload, ProtocolLimits{});
    const auto* message = std::get_if<std::string_view>(&decoded);
    return message == nullptr ? "(malformed Error frame)" : std::string(*message);
}

std::string Reply::out() const {
    std::string text;
    for (const auto& frame : frames) {
        if (frame.type == protocol::FrameType::kStdout)
            text.append(frame.payload.begin(), frame.payload.end());
    }
    return text;
}

int connect_unix_socket(const std::string& socket_path) {
    const auto built = socket_address_for(socket_path);
    const auto* address = std::get_if<SocketAddress>(&built);
    if (address == nullptr) {
        errno = ENAMETOOLONG;
        return -1;
    }
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, address->get(), address->length) == 0) return fd;
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
}

RawConnection::RawConnection(const std::string& socket_path)
    : fd_(connect_unix_socket(socket_path)) {
    if (fd_ < 0) ADD_FAILURE() << "connect " << socket_path << ": " << std::strerror(errno);
}

RawConnection::~RawConnection() {
    close();
}

void RawConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void RawConnection::shutdown_write() {
    shutdown(fd_, SHUT_WR);
}

bool RawConnection::send(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return false;
        bytes = bytes.subspan(static_cast<std::size_t>(sent));
    }
    return true;
}

bool RawConnection::send_with_fds(std::span<const std::uint8_t> bytes, std::span<const int> fds) {
    std::vector<std::uint8_t> control(CMSG_SPACE(fds.size() * sizeof(int)));
    iovec io{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(header), fds.data(), fds.size() * sizeof(int));
    return sendmsg(fd_, &message, MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

namespace {

// Waits until `fd` is readable or `deadline` passes; false on timeout.
bool wait_readable(int fd, Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int ready = poll(&p, 1, static_cast<int>(left.count()));
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) return false;
    }
}

// Splits `bytes` into frames; marks the reply malformed on a bad header or a cut frame.
void parse_frames(const Bytes& bytes, Reply& reply) {
    std::span<const std::uint8_t> rest(bytes);
    while (!rest.empty()) {
        const auto decoded = protocol::decode_frame_header(rest, ProtocolLimits{});
        const auto* header = std::get_if<protocol::FrameHeader>(&decoded);
        if (header == nullptr || rest.size() - protocol::kFrameHeaderBytes < header->length) {
            reply.malformed = true;
            return;
        }
        const auto payload = rest.subspan(protocol::kFrameHeaderBytes, header->length);
        reply.frames.push_back({header->type, Bytes(payload.begin(), payload.end())});
        rest = rest.subspan(protocol::kFrameHeaderBytes + header->length);
    }
}

}  // namespace

Reply RawConnection::read_reply(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    Reply reply;
    Bytes bytes;
    std::uint8_t buffer[64 << 10];
    while (wait_readable(fd_, deadline)) {
        const ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            reply.closed = true;
            break;
        }
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    parse_frames(bytes, reply);
    return reply;
}

bool RawConnection::closed_by_server_within(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    std::uint8_t buffer[4096];
    while (wait_readable(fd_, deadline)) {
        const ssize_t got = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) return true;
    }
    return false;
}

Reply send_and_read_reply(const std::string& socket_path, std::span<const std::uint8_t> bytes,
                          std::chrono::milliseconds limit) {
    RawConnection connection(socket_path);
    if (!connection.connected()) return {};
    EXPECT_TRUE(connection.send(bytes)) << "the server closed the connection while it was sent";
    return connection.read_reply(limit);
}

}  // namespace bro::test
