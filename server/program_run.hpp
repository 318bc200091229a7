#pragma once
// The running and draining phases of one call, from a started child to its exit status:
//   - the client's frames reach the child: StdinData its stdin, StdinEnd closes it, Signal goes
//     to its process group (or its terminal's foreground group), WindowSize to its terminal;
//   - content mode: its stdout and stderr reach the client as frames, each stream in order;
//   - --timeout: a run that takes longer gets SIGTERM to its process group, SIGKILL after
//     --kill-grace, and the status says it timed out;
//   - once it exits, its output is read to end of file and sent, at most --drain-timeout (a
//     process it started may hold stdout open, the client may not read);
//   - then what is left of its process group gets SIGKILL (not with --keep-background);
//   - a client that goes away: SIGTERM to the process group, SIGKILL after --kill-grace.
//
// Teardown invariant: each task returns only after every operation it started has completed;
// what a task started is stopped through the StopSource of the phase that owns it.

#include <cstdint>
#include <span>

#include "core/exit_status.hpp"
#include "core/unique_fd.hpp"
#include "core/wire.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/child_process.hpp"
#include "server/child_stdio.hpp"
#include "server/frame_reader.hpp"
#include "server/frame_writer.hpp"
#include "server/server_config.hpp"
#include "server/session_phase.hpp"

namespace bro::server {

// What a run uses of its session; all of it outlives the run.
struct RunContext {
    ring::Ring& ring;
    const ServerConfig& config;
    std::uint64_t session_id;
    FrameReader& reader;
    FrameWriter& writer;
    SessionPhase& phase;
};

class ProgramRun {
  public:
    // `stdio` is empty in fd mode: nothing is relayed but signals.
    ProgramRun(RunContext context, ChildProcess& child, ChildStdio& stdio)
        : run_(context), child_(child), stdio_(stdio) {}
    ProgramRun(const ProgramRun&) = delete;
    ProgramRun& operator=(const ProgramRun&) = delete;

    // Relays the client's frames until `call_over` is requested (the report went out) or the
    // client goes away; in that case it ends the program (SIGTERM, SIGKILL after the grace,
    // cut short by `call_over`).
    ring::Task<void> relay_client_frames(ring::StopToken call_over);
    // Until the child was reaped and its output drained: how it ended.
    ring::Task<ExitStatus> run_to_exit();
    // No Exit frame can reach a client that went away.
    bool client_gone() const { return client_gone_; }
    // For the audit record: stdin bytes the client sent, output bytes it was sent.
    std::uint64_t stdin_bytes() const { return stdin_bytes_; }
    std::uint64_t output_bytes() const { return output_bytes_; }

  private:
    ring::Task<bool> forward_stdin(std::uint32_t length, ring::StopToken stop);
    void stdin_closed_early();
    void deliver_signal(std::uint8_t signal);
    void resize_terminal(std::span<const std::uint8_t> payload);
    void client_vanished(const char* why);
    ring::Task<void> enforce_kill_grace(ring::StopToken call_over);

    ring::Task<void> relay_outputs();
    ring::Task<void> relay_output(UniqueFd& reader, protocol::FrameType type);
    ring::Task<void> wait_for_exit(ExitStatus& status);
    ring::Task<void> wait_child(ring::StopSource& reaped, ExitStatus& status);
    // Started only with a --timeout.
    ring::Task<void> enforce_run_timeout(ring::StopToken reaped, bool& timed_out);
    // Started only while output remains to be relayed once the child exited.
    ring::Task<void> enforce_drain_deadline();
    void end_what_the_program_left();

    RunContext run_;
    ChildProcess& child_;
    ChildStdio& stdio_;
    // Stops the output relay: at the drain deadline, or for a terminal whose client is gone
    // (letting go of the controller hangs the terminal up).
    ring::StopSource output_stop_;
    // Requested once every output reached end of file: ends the drain deadline.
    ring::StopSource output_done_;
    bool client_gone_ = false;
    std::uint64_t stdin_bytes_ = 0;
    std::uint64_t output_bytes_ = 0;
};

}  // namespace bro::server
