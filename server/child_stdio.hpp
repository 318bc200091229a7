#pragma once
// The child's stdin, stdout and stderr as the server holds them in content mode: pipes (stdin
// reads /dev/null unless the request streams it), or one pseudo-terminal for a terminal
// session, whose controller is both the child's input and its output (a terminal merges
// stderr into stdout, so there is no stderr pipe). fd mode has none of these: an empty
// ChildStdio relays nothing.
//
// With a stdin report asked for (the caller's stdin is a seekable file), a second read end of
// the stdin pipe is kept to count what the child left unread (FIONREAD), and every byte
// written into the pipe is counted.

#include <cstdint>
#include <span>
#include <vector>

#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/io_result.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/spawn_plan.hpp"

namespace bro::server {

// The descriptors the child gets as its fds 0-2. The server closes them as soon as the child
// exists, so the pipes can reach end of file.
struct ChildSide {
    std::vector<UniqueFd> owned;
    ChildStdioFds fds;
};

class ChildStdio {
  public:
    // fd mode: nothing to relay.
    ChildStdio() = default;
    // Opens what a content-mode `request` needs; throws std::system_error naming the call.
    static ChildStdio open(const protocol::Request& request, ChildSide& child);

    bool terminal() const { return terminal_; }

    // The read ends of the child's output (invalid when there is none, or once finished);
    // the relay resets each one at its end of file.
    UniqueFd& stdout_reader() { return stdout_; }
    UniqueFd& stderr_reader() { return stderr_; }
    // One read of the child's output from `fd`, one of the readers. A terminal's controller is
    // nonblocking (one open file serves reads and writes, and no io-wq worker blocks on it):
    // it is read when poll says so, and its EIO, once no process holds the terminal side
    // open, is end of file.
    ring::Task<ring::IoResult> read_output(ring::Ring& ring, int fd, std::span<std::uint8_t> into,
                                           ring::StopToken stop) const;

    bool stdin_open() const { return stdin_.valid(); }
    // The child then sees end of file (once nothing else holds the pipe open).
    void close_stdin() { stdin_.reset(); }
    // Writes all of `bytes` into the child's stdin; false when the child no longer reads it
    // (closed its end) or `stop` was requested.
    ring::Task<bool> write_stdin(ring::Ring& ring, std::span<const std::uint8_t> bytes,
                                 ring::StopToken stop);

    // A descriptor of the terminal's controller while the server still holds one, else -1.
    int terminal_controller() const;

    // The stdin bytes the child consumed (written minus still unread), for the Exit frame;
    // kStdinConsumedUnknown unless the request asked. Closes the probe.
    std::uint64_t take_stdin_consumed();
    std::uint64_t stdin_written() const { return stdin_written_; }

  private:
    static ChildStdio open_pipes(const protocol::Request& request, ChildSide& child);
    static ChildStdio open_terminal(const protocol::Request& request, ChildSide& child);
    // write(2) on a nonblocking stdin, polling through the ring when it is full, counting
    // byte for byte what entered the pipe, so the count is exact when the child exits.
    ring::Task<bool> write_stdin_counted(ring::Ring& ring, std::span<const std::uint8_t> bytes,
                                         ring::StopToken stop);

    UniqueFd stdin_, stdout_, stderr_;
    UniqueFd stdin_probe_;
    std::uint64_t stdin_written_ = 0;
    bool terminal_ = false;
};

}  // namespace bro::server
