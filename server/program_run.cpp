#include "server/program_run.hpp"

#include <signal.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "ring/child_wait.hpp"
#include "ring/deadline.hpp"
#include "ring/when_all.hpp"
#include "server/log_durations.hpp"
#include "server/output_relay.hpp"
#include "server/pseudo_terminal.hpp"
#include "server/session_errors.hpp"

namespace bro::server {
namespace {

using protocol::FrameType;

}  // namespace

// ---- client -> program ---------------------------------------------------------------------

ring::Task<void> ProgramRun::relay_client_frames(ring::StopToken call_over) {
    FrameReader& reader = run_.reader;
    std::string violation;
    try {
        while (!call_over.stop_requested()) {
            // A StdinData payload for a pipe stays in the socket, to be spliced from there.
            const auto header = co_await reader.next_header(call_over, stdio_.stdin_splices());
            if (!header) break;
            if (header->type == FrameType::kStdinData) {
                const bool forwarded = co_await forward_stdin(header->length, call_over);
                if (!forwarded) break;
            } else if (header->type == FrameType::kStdinEnd) {
                stdio_.close_stdin();
            } else if (header->type == FrameType::kSignal) {
                if (header->length != 1) throw ProtocolViolation("a Signal frame holds one byte");
                const auto payload = co_await reader.whole_payload(header->length, call_over);
                if (!payload) break;
                deliver_signal((*payload)[0]);
            } else if (header->type == FrameType::kWindowSize) {
                const auto payload = co_await reader.whole_payload(header->length, call_over);
                if (!payload) break;
                resize_terminal(*payload);
            } else {
                throw ProtocolViolation(std::string("unexpected ") +
                                        protocol::frame_name(header->type) +
                                        " frame while the command runs");
            }
        }
    } catch (const ProtocolViolation& e) {  // LimitExceeded too: a long Request header
        violation = e.what();
    }
    stdio_.close_stdin();
    if (call_over.stop_requested()) co_return;
    if (!violation.empty()) {
        spdlog::warn("session {}: protocol error: {}", run_.session_id, violation);
    }
    client_vanished(violation.empty() ? "the client disconnected" : "protocol error");
    co_await enforce_kill_grace(call_over);
}

// Moves one StdinData payload into the child's stdin: into a pipe by splice, straight from
// the socket, after the few bytes the reader may already hold; into a terminal by write. A
// child that closed its stdin makes the rest be discarded, as a local pipe would; false only
// when the client went away.
ring::Task<bool> ProgramRun::forward_stdin(std::uint32_t length, ring::StopToken stop) {
    FrameReader& reader = run_.reader;
    std::size_t remaining = length;
    while (remaining > 0) {
        if (reader.buffered() == 0 && stdio_.stdin_splices()) {
            const ring::IoResult moved =
                co_await stdio_.splice_stdin(run_.ring, reader.socket(), remaining, stop);
            if (moved && moved.value() > 0) {
                remaining -= static_cast<std::size_t>(moved.value());
                stdin_bytes_ += static_cast<std::uint64_t>(moved.value());
                continue;
            }
            if (moved.raw() != -EPIPE) co_return false;  // closed, cancelled, or broken
            stdin_closed_early();
            continue;
        }
        const auto piece = co_await reader.payload_piece(remaining, stop);
        if (!piece) co_return false;
        remaining -= piece->size();
        stdin_bytes_ += piece->size();
        if (!stdio_.stdin_open()) continue;
        const bool written = co_await stdio_.write_stdin(run_.ring, *piece, stop);
        if (!written) stdin_closed_early();
    }
    co_return true;
}

void ProgramRun::stdin_closed_early() {
    spdlog::debug("session {}: child stdin closed early, discarding the rest", run_.session_id);
    stdio_.close_stdin();
}

// A Signal frame: only the forwardable signals, only to this connection's own child. On a
// terminal they go where the terminal's own keys send them, to its foreground process group
// (a job of the shell inside, say), and SIGHUP, a hang-up, to the child's group as well.
void ProgramRun::deliver_signal(std::uint8_t signal) {
    if (!protocol::is_forwardable_signal(signal)) {
        throw ProtocolViolation("signal " + std::to_string(signal) + " may not be forwarded");
    }
    const int controller = stdio_.terminal_controller();
    const pid_t foreground = controller >= 0 ? foreground_process_group(controller) : 0;
    if (foreground > 0 && !child_.exited()) {
        spdlog::debug("session {}: forwarding signal {} to the terminal's foreground group {}",
                      run_.session_id, signal, foreground);
        ::kill(-foreground, signal);
        if (signal != SIGHUP || foreground == child_.pid()) return;
    }
    spdlog::debug("session {}: forwarding signal {} to the process group of pid {}",
                  run_.session_id, signal, child_.pid());
    child_.kill_group(signal);
}

void ProgramRun::resize_terminal(std::span<const std::uint8_t> payload) {
    if (!stdio_.terminal()) throw ProtocolViolation("a WindowSize frame needs a terminal session");
    if (payload.size() != protocol::kWindowSizeBytes) {
        throw ProtocolViolation("a WindowSize frame holds " +
                                std::to_string(protocol::kWindowSizeBytes) + " bytes");
    }
    const auto size = protocol::decode_window_size(payload.first<protocol::kWindowSizeBytes>());
    const int controller = stdio_.terminal_controller();
    if (controller < 0) return;  // the program is gone: nothing left to resize
    if (!resize_pseudo_terminal(controller, size)) {
        spdlog::debug("session {}: ioctl TIOCSWINSZ: {}", run_.session_id, std::strerror(errno));
        return;
    }
    spdlog::debug("session {}: terminal resized to {} rows, {} columns", run_.session_id, size.rows,
                  size.columns);
}

void ProgramRun::client_vanished(const char* why) {
    if (client_gone_) return;
    client_gone_ = true;
    spdlog::info("session {}: {}; sending SIGTERM to the command", run_.session_id, why);
    child_.kill_group(SIGTERM);
    // Hang the terminal up, as closing a terminal window does: once the output relay lets go
    // of the controller (stdin's descriptor is already closed), the kernel sends SIGHUP to
    // the session's leader, and an interactive shell passes it on to its jobs, which live in
    // process groups of their own.
    if (stdio_.terminal()) output_stop_.request_stop();
}

// The client is gone and its program got SIGTERM: give it --kill-grace to finish, then
// SIGKILL whatever is left of its process group. The report ends the wait early.
ring::Task<void> ProgramRun::enforce_kill_grace(ring::StopToken call_over) {
    if (child_.exited()) co_return;
    const auto grace = run_.config.kill_grace;
    const bool expired = co_await ring::sleep_for(run_.ring, grace, call_over);
    if (!expired || child_.exited()) co_return;
    spdlog::info("session {}: pid {} outlived the {} ms grace after SIGTERM; sending SIGKILL",
                 run_.session_id, child_.pid(), whole_milliseconds(grace));
    child_.kill_group(SIGKILL);
}

// ---- program -> client ---------------------------------------------------------------------

// Only what a run needs is started: fd mode relays no output, and a run without --timeout has
// no timer (each task is a coroutine frame and a resume or two, on every call).
ring::Task<ExitStatus> ProgramRun::run_to_exit() {
    ExitStatus status;
    if (stdio_.stdout_reader() || stdio_.stderr_reader()) {
        co_await ring::when_all(relay_outputs(), wait_for_exit(status));
    } else {
        output_done_.request_stop();
        co_await wait_for_exit(status);
    }
    co_return status;
}

ring::Task<void> ProgramRun::relay_outputs() {
    UniqueFd& out = stdio_.stdout_reader();
    UniqueFd& err = stdio_.stderr_reader();
    if (out && err) {
        co_await ring::when_all(relay_output(out, FrameType::kStdout),
                                relay_output(err, FrameType::kStderr));
    } else if (out) {
        co_await relay_output(out, FrameType::kStdout);  // a terminal: both streams in one
    } else if (err) {
        co_await relay_output(err, FrameType::kStderr);
    }
    output_done_.request_stop();
}

ring::Task<void> ProgramRun::relay_output(UniqueFd& reader, FrameType type) {
    OutputEnd end;
    if (stdio_.terminal()) {
        end = co_await relay_terminal_output(run_.ring, run_.writer, reader.get(), type,
                                             output_stop_.token(), output_bytes_);
    } else {
        end = co_await relay_pipe_output(run_.ring, run_.writer, reader.get(), type,
                                         output_stop_.token(), output_bytes_);
    }
    if (end == OutputEnd::kClientGone) client_vanished("the client stopped reading");
    reader.reset();
}

ring::Task<void> ProgramRun::wait_for_exit(ExitStatus& status) {
    ring::StopSource reaped;
    bool timed_out = false;
    if (run_.config.run_timeout.count() == 0) {
        co_await wait_child(reaped, status);
    } else {
        co_await ring::when_all(wait_child(reaped, status),
                                enforce_run_timeout(reaped.token(), timed_out));
    }
    status.timed_out = timed_out;
    run_.phase.enter(Phase::kDraining);
    if (!output_done_.stop_requested()) co_await enforce_drain_deadline();
    end_what_the_program_left();
}

// The program has exited and its output is drained (or its deadline passed): what it started
// in its process group ends with the call, unless --keep-background. The program is still a
// zombie, so its group's id cannot have been reused.
void ProgramRun::end_what_the_program_left() {
    if (!run_.config.keep_background) {
        spdlog::debug("session {}: sending SIGKILL to what is left of pid {}'s process group",
                      run_.session_id, child_.pid());
        child_.kill_group(SIGKILL);
    }
    child_.reap();
}

ring::Task<void> ProgramRun::wait_child(ring::StopSource& reaped, ExitStatus& status) {
    // Left a zombie until end_what_the_program_left(), which still needs its process group.
    auto result = co_await ring::wait_for_child(run_.ring, child_.pidfd(), ring::Reap::kNo);
    if (auto* error = std::get_if<std::error_code>(&result)) {
        spdlog::error("session {}: waiting for pid {} failed: {}", run_.session_id, child_.pid(),
                      error->message());
        status = ExitStatus::signaled(SIGKILL, false);  // ChildProcess's destructor kills it
    } else {
        const auto& info = std::get<siginfo_t>(result);
        child_.mark_exited();
        status = exit_status_from_waitid(info.si_code, info.si_status);
    }
    reaped.request_stop();
}

// --timeout: a run still going then gets SIGTERM to its process group, and SIGKILL after
// --kill-grace; the Exit frame says it timed out. Ends early when the child is reaped.
ring::Task<void> ProgramRun::enforce_run_timeout(ring::StopToken reaped, bool& timed_out) {
    const ServerConfig& config = run_.config;
    for (const int signal : {SIGTERM, SIGKILL}) {
        const bool expired = co_await ring::sleep_for(
            run_.ring, signal == SIGTERM ? config.run_timeout : config.kill_grace, reaped);
        if (!expired || child_.exited()) co_return;
        timed_out = true;
        spdlog::info("session {}: running: pid {} {}; sending {}", run_.session_id, child_.pid(),
                     signal == SIGTERM ? "ran past --timeout" : "outlived the grace after SIGTERM",
                     signal == SIGTERM ? "SIGTERM" : "SIGKILL");
        child_.kill_group(signal);
    }
}

// The child has exited but something it started still holds stdout or stderr open: the report
// waits for them to reach end of file, at most --drain-timeout, then the relay stops and the
// output written after that is not relayed.
ring::Task<void> ProgramRun::enforce_drain_deadline() {
    const auto limit = run_.config.drain_timeout;
    const bool expired = co_await ring::sleep_for(run_.ring, limit, output_done_.token());
    if (!expired) co_return;
    spdlog::info(
        "session {}: draining: stdout/stderr still open {} ms after pid {} exited (a process it "
        "started holds them, or the client does not read them; --drain-timeout); reporting the "
        "exit now",
        run_.session_id, whole_milliseconds(limit), child_.pid());
    output_stop_.request_stop();
}

}  // namespace bro::server
