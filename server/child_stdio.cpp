#include "server/child_stdio.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <system_error>

#include "ring/nonblocking_splice.hpp"
#include "ring/operations.hpp"
#include "ring/write_all.hpp"
#include "server/output_relay.hpp"
#include "server/pseudo_terminal.hpp"

namespace bro::server {
namespace {

struct Pipe {
    UniqueFd read, write;
};

Pipe make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe2");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// A StdinData payload this long means the client streams (it sends what its pipe holds).
constexpr std::size_t kStreamingChunk = 32 << 10;

[[noreturn]] void fail(const char* call) {
    throw std::system_error(errno, std::system_category(), call);
}

}  // namespace

ChildStdio ChildStdio::open(const protocol::Request& request, ChildSide& child) {
    return request.terminal ? open_terminal(request, child) : open_pipes(request, child);
}

ChildStdio ChildStdio::open_pipes(const protocol::Request& request, ChildSide& child) {
    ChildStdio stdio;
    UniqueFd child_stdin;
    if (request.stdin_mode == protocol::StdinMode::kStreamed) {
        auto pipe = make_pipe();
        child_stdin = std::move(pipe.read);
        stdio.stdin_ = std::move(pipe.write);
        if (request.reports_stdin) {
            stdio.stdin_probe_ = UniqueFd(fcntl(child_stdin.get(), F_DUPFD_CLOEXEC, 0));
            // Nonblocking writes (our end only) return exactly what entered the pipe.
            if (!stdio.stdin_probe_ || fcntl(stdio.stdin_.get(), F_SETFL, O_NONBLOCK) != 0) {
                fail("prepare stdin report");
            }
        }
    } else {
        child_stdin = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!child_stdin) fail("open /dev/null");
    }
    auto out = make_pipe();
    auto err = make_pipe();
    stdio.stdout_ = std::move(out.read);
    stdio.stderr_ = std::move(err.read);
    child.fds = {child_stdin.get(), out.write.get(), err.write.get(), false};
    child.owned.push_back(std::move(child_stdin));
    child.owned.push_back(std::move(out.write));
    child.owned.push_back(std::move(err.write));
    return stdio;
}

ChildStdio ChildStdio::open_terminal(const protocol::Request& request, ChildSide& child) {
    PseudoTerminal pty = open_pseudo_terminal(*request.terminal);
    if (request.terminal_modes) set_terminal_modes(pty.terminal.get(), *request.terminal_modes);
    ChildStdio stdio;
    stdio.terminal_ = true;
    stdio.stdin_ = UniqueFd(fcntl(pty.controller.get(), F_DUPFD_CLOEXEC, 0));
    if (!stdio.stdin_) fail("fcntl F_DUPFD_CLOEXEC /dev/ptmx");
    stdio.stdout_ = std::move(pty.controller);
    const int terminal = pty.terminal.get();
    child.fds = {terminal, terminal, terminal, true};
    child.owned.push_back(std::move(pty.terminal));
    return stdio;
}

ring::Task<bool> ChildStdio::write_stdin(ring::Ring& ring, std::span<const std::uint8_t> bytes,
                                         ring::StopToken stop) {
    if (stdin_probe_ || terminal_) co_return co_await write_stdin_counted(ring, bytes, stop);
    const std::error_code error = co_await ring::write_all(ring, stdin_.get(), bytes, stop);
    co_return !error;
}

ring::Task<bool> ChildStdio::write_stdin_counted(ring::Ring& ring,
                                                 std::span<const std::uint8_t> bytes,
                                                 ring::StopToken stop) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(stdin_.get(), bytes.data(), bytes.size());
        if (n > 0) {
            stdin_written_ += static_cast<std::uint64_t>(n);
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            const ring::IoResult ready =
                co_await ring::Poll(ring, stdin_.get(), POLLOUT).stop_on(stop);
            if (!ready) co_return false;
        } else if (n < 0 && errno != EINTR) {
            co_return false;
        }
    }
    co_return true;
}

ring::Task<ring::IoResult> ChildStdio::splice_stdin(ring::Ring& ring, int socket,
                                                    std::size_t length, ring::StopToken stop) {
    // A client that sends full chunks streams: give the child a pipe that holds several.
    if (!stdin_grown_ && length >= kStreamingChunk) {
        stdin_grown_ = true;
        ::fcntl(stdin_.get(), F_SETPIPE_SZ, static_cast<int>(kStreamingPipeBytes));
    }
    const ring::IoResult moved =
        co_await ring::splice_some(ring, socket, stdin_.get(), length, stop);
    if (moved) stdin_written_ += static_cast<std::uint64_t>(moved.value());
    co_return moved;
}

int ChildStdio::terminal_controller() const {
    if (!terminal_) return -1;
    if (stdout_) return stdout_.get();
    return stdin_ ? stdin_.get() : -1;
}

std::uint64_t ChildStdio::take_stdin_consumed() {
    if (!stdin_probe_) return protocol::kStdinConsumedUnknown;
    const UniqueFd probe = std::move(stdin_probe_);
    int unread = 0;
    if (::ioctl(probe.get(), FIONREAD, &unread) != 0 || unread < 0) {
        return protocol::kStdinConsumedUnknown;
    }
    const auto left = static_cast<std::uint64_t>(unread);
    // A write still in flight may already sit in the pipe without being counted yet.
    return stdin_written_ > left ? stdin_written_ - left : 0;
}

}  // namespace bro::server
