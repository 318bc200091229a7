#include "client/fd_exchange.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <variant>
#include <vector>

#include "client/fd_reply.hpp"
#include "client/forwarded_signals.hpp"
#include "client/request_builder.hpp"
#include "client/server_connection.hpp"
#include "core/limits.hpp"

namespace bro::client {
namespace {

// The one message of fd-passing mode: sends all of `frame` on the non-blocking stream
// `socket`, `fds` attached to its first byte in order as SCM_RIGHTS, so the server receives
// frame and descriptors together and never has to match them up. A frame larger than the
// socket buffer goes partly with sendmsg() and the rest with plain send()s, waiting for room in
// between. Returns 0, or the errno of the call that failed (EPIPE or ECONNRESET when the server
// stopped reading). No SIGPIPE.
int send_with_fds(int socket, std::span<const std::uint8_t> frame, std::span<const int> fds) {
    if (fds.size() > kMaxFdsPerMessage || frame.empty()) return EINVAL;
    // Sized for the kernel's maximum so no allocation is needed; cmsghdr alignment is what
    // CMSG_FIRSTHDR expects.
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    std::memset(control, 0, sizeof(control));

    iovec data{const_cast<std::uint8_t*>(frame.data()), frame.size()};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    if (!fds.empty()) {
        message.msg_control = control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    }

    std::size_t sent = 0;
    while (sent < frame.size()) {
        // A sendmsg() that failed (EINTR, EAGAIN) sent nothing (a stream socket reports partial
        // progress instead), so retrying it cannot pass the descriptors twice. Once the first
        // byte is out, they went with it and the rest is plain data.
        const ssize_t n =
            sent == 0 ? ::sendmsg(socket, &message, MSG_NOSIGNAL)
                      : ::send(socket, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN) {
            if (const int error = wait_until_ready(socket, POLLOUT)) return error;
        } else if (errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

}  // namespace

FdPassingResult run_fd_passing(const Invocation& invocation) {
    const ClientConfig& config = invocation.config;
    const Diagnostics& diagnostics = invocation.diagnostics;
    bro::UniqueFd socket = connect_to_server(
        config.socket_path, config.connect_timeout_seconds.value_or(kDefaultConnectTimeoutSeconds),
        diagnostics);
    if (!socket.valid()) return {};

    // The child fchdir()s to this, so relative paths resolve as here even when the server sees
    // another mount namespace. Without it (cwd removed or not searchable), the server's --cwd
    // rule applies to the path alone.
    // openat: musl's open() adds an fcntl() for O_CLOEXEC.
    const bro::UniqueFd cwd(::openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cwd.valid())
        diagnostics.debug("working directory not passed: open .: ", SystemError{errno});

    RequestOptions options;
    options.mode = protocol::TransferMode::kFdPassing;
    options.forwarded_fds = invocation.forwarded_fds;
    options.carries_cwd = cwd.valid();
    ClientRequest request = build_request(config, invocation.arguments, invocation.environment,
                                          invocation.stdin_was_closed, options, diagnostics);

    const auto own_files = static_cast<std::size_t>(std::count_if(
        request.files.begin(), request.files.end(), [](const auto& f) { return f.own_file(); }));
    const std::size_t fd_count =
        request_fd_count(own_files, invocation.forwarded_fds.size(), cwd.valid());
    if (fd_count > kMaxFdsPerMessage && config.transfer_mode == TransferChoice::kAuto &&
        invocation.forwarded_fds.empty()) {
        diagnostics.debug("this request would pass ", fd_count, " descriptors, more than the ",
                          kMaxFdsPerMessage, " one message carries; using content mode");
        return {.needs_content_mode = true};
    }
    if (fd_count > kMaxFdsPerMessage) {
        diagnostics.error("this request would pass ", fd_count, " descriptors (", 3,
                          " standard streams, ", request.files.size(), " file arguments, ",
                          invocation.forwarded_fds.size(),
                          " forwarded fds), but Linux passes at "
                          "most ",
                          kMaxFdsPerMessage, " in one message; pass fewer files");
        return {};
    }

    // Not captured (a terminal, or no stdin at all): the program reads /dev/null, as in content
    // mode, instead of the caller's terminal.
    bro::UniqueFd dev_null;
    int stdin_fd = STDIN_FILENO;
    if (request.stdin_mode != protocol::StdinMode::kStreamed) {
        dev_null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!dev_null.valid()) {
            diagnostics.error("cannot open /dev/null for the program's stdin: ",
                              SystemError{errno});
            return {};
        }
        stdin_fd = dev_null.get();
    }

    std::vector<int> fds;
    fds.reserve(fd_count);
    fds.push_back(stdin_fd);
    fds.push_back(STDOUT_FILENO);
    fds.push_back(STDERR_FILENO);
    diagnostics.debug("passing fd ", stdin_fd, " as stdin", dev_null.valid() ? " (/dev/null)" : "",
                      ", fd 1 as stdout, fd 2 as stderr");
    for (const auto& file : request.files) {
        if (!file.own_file()) continue;  // shares an earlier argument's descriptor
        fds.push_back(file.fd.get());
        diagnostics.debug("passing fd ", file.fd.get(), " for argument ", file.argument_index, " (",
                          file.path, ")");
    }
    for (const auto target : invocation.forwarded_fds) {
        fds.push_back(static_cast<int>(target));
        diagnostics.debug("passing fd ", target, " as the program's fd ", target);
    }
    if (cwd.valid()) fds.push_back(cwd.get());

    std::size_t fds_sent = fds.size();
    int error = send_with_fds(socket.get(), request.frame, fds);
    if (error == EPERM && config.transfer_mode == TransferChoice::kAuto &&
        invocation.forwarded_fds.empty()) {
        // A content-only server refuses descriptors in the kernel (SO_PASSRIGHTS off, Linux
        // 6.16) and nothing was sent: that refusal is already the answer a ModeRejected would
        // bring, so the content-mode request goes over this connection without the round trip.
        diagnostics.debug("the server's socket refuses descriptors: it takes content mode");
        return {.accepted_modes = protocol::kAcceptsContent,
                .retry_here = true,
                .connection = std::move(socket)};
    }
    if (error == EPERM) {
        // Where fd mode is required, the request alone gets the server's own ModeRejected
        // answer, for the message that says what to change.
        diagnostics.debug("the server's socket refuses descriptors; sending the request alone");
        fds_sent = 0;
        error = send_with_fds(socket.get(), request.frame, {});
    }
    // The server holds its own references now (or has none to hold): ours are not needed
    // while the program runs.
    request.files.clear();
    dev_null.reset();
    if (error == EPIPE || error == ECONNRESET) {
        // The server stopped reading; its answer may still be waiting.
        diagnostics.debug("the server stopped reading the request: ", SystemError{error});
    } else if (error != 0) {
        diagnostics.error("cannot send the request to the server: ", SystemError{error});
        return {};
    }
    diagnostics.debug("sent ", request.frame.size(), " bytes and ", fds_sent,
                      " descriptors; waiting for the exit status");
    const FdReply reply =
        await_fd_reply(socket.get(), invocation.signal_fd, config.socket_path, diagnostics);
    FdPassingResult result{reply.outcome, reply.accepted_modes};
    result.retry_here = reply.retry_here;
    if (result.retry_here) result.connection = std::move(socket);
    return result;
}

}  // namespace bro::client
