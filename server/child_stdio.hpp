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
    // the relay resets each one at its end of file. output_relay.hpp relays them.
    UniqueFd& stdout_reader() { return stdout_; }
    UniqueFd& stderr_reader() { return stderr_; }

    bool stdin_open() const { return stdin_.valid(); }
    // The child then sees end of file (once nothing else holds the pipe open).
    void close_stdin() { stdin_.reset(); }
    // Writes all of `bytes` into the child's stdin; false when the child no longer reads it
    // (closed its end) or `stop` was requested.
    ring::Task<bool> write_stdin(ring::Ring& ring, std::span<const std::uint8_t> bytes,
                                 ring::StopToken stop);
    // True when stdin is a pipe, which takes StdinData payloads by splice (splice_stdin); a
    // terminal takes them through write_stdin.
    bool stdin_splices() const { return stdin_.valid() && !terminal_; }
    // Moves up to `length` bytes straight from the client's nonblocking `socket` into the
    // child's stdin pipe, counting them for the stdin report. Value: bytes moved; 0 when the
    // client closed; error EPIPE when the child closed its stdin, ECANCELED on stop.
    ring::Task<ring::IoResult> splice_stdin(ring::Ring& ring, int socket, std::size_t length,
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
    bool stdin_grown_ = false;
    bool terminal_ = false;
};

}  // namespace bro::server
