#pragma once
// One of the child's outputs relayed to the client as data frames, in order, until its end of
// file (content mode; the running and draining phases, program_run.hpp):
//   - a pipe (stdout, stderr): the bytes waiting in it (FIONREAD) go out as one frame, header
//     first, the payload spliced pipe -> socket (FrameWriter::send_from_pipe), never through
//     user space and with no buffer at all;
//   - a terminal's controller (a terminal session): it cannot be spliced, so its bytes are read
//     into a buffer taken from the ring's pool when the first of them arrive. A controller is
//     nonblocking (one open file serves reads and writes, and no io-wq worker blocks on it);
//     its EIO, once no process holds the terminal side open, is end of file.
// Between frames the relay waits for data with a POLL, and `stop` (the drain deadline) ends
// it there; a frame already started is always finished. `relayed` grows by each frame's
// payload once it went out (the audit record's "out": call_record.hpp).

#include "core/wire.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/frame_writer.hpp"

namespace bro::server {

// What a pipe that carries a stream is grown to (F_SETPIPE_SZ), the child's output pipes once
// found full, its stdin pipe at the first full chunk: fewer wake-ups of the child and of the
// relay per byte. Pages are allocated only as bytes arrive.
inline constexpr std::size_t kStreamingPipeBytes = 1 << 20;

enum class OutputEnd {
    kEndOfFile,   // everything the child wrote went out
    kStopped,     // `stop` was requested
    kClientGone,  // the client stopped reading (a send failed)
};

ring::Task<OutputEnd> relay_pipe_output(ring::Ring& ring, FrameWriter& writer, int pipe,
                                        protocol::FrameType type, ring::StopToken stop,
                                        std::uint64_t& relayed);

ring::Task<OutputEnd> relay_terminal_output(ring::Ring& ring, FrameWriter& writer, int controller,
                                            protocol::FrameType type, ring::StopToken stop,
                                            std::uint64_t& relayed);

}  // namespace bro::server
