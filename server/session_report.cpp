// Session: how a call ends its exchange. The frame that tells the caller (the Exit frame, or
// an Error frame for a refusal) goes out within --report-timeout, and each call leaves one
// audit record (call_record.hpp), started once the request is in and completed here.

#include "server/session.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/reply_encoding.hpp"
#include "ring/deadline.hpp"
#include "server/call_record.hpp"
#include "server/log_durations.hpp"
#include "server/peer_cgroup.hpp"
#include "server/program_run.hpp"
#include "server/status_text.hpp"

namespace bro::server {

void Session::start_record(const protocol::Request& request) {
    if (!spdlog::should_log(spdlog::level::info)) return;
    CallRecord& record = record_.emplace();
    record.tool = context_.config.tool;
    record.pid = peer_.pid;
    record.uid = peer_.uid;
    record.gid = peer_.gid;
    // The caller is still there: it waits for its exit status.
    record.cgroup = read_peer_cgroup(socket_.get(), peer_.pid);
    record.mode = request.mode == protocol::TransferMode::kFdPassing ? "fd" : "content";
    record.argument_count = request.arguments.size();
    if (context_.config.log_arguments) record.arguments = request.arguments;
    record.cwd = request.cwd;
    record.outcome = "ended before it ran (the client went away)";
}

ring::Task<void> Session::report_exit(ProgramRun& program, ChildStdio& stdio,
                                      ring::StopSource& call_over, SessionCgroup* cgroup) {
    const ExitStatus status = co_await program.run_to_exit();
    phase_.enter(Phase::kReporting);
    // Processes that left the program's process group end with the call too.
    if (cgroup != nullptr) cgroup->kill();
    spdlog::debug("session {}: pid {} {}", id_, child_->pid(), status_text(status));
    if (record_) {
        record_->outcome = status_text(status) + (status.timed_out ? " (ran past --timeout)" : "") +
                           (program.client_gone() ? " (the client went away)" : "");
        record_->bytes_in += program.stdin_bytes();
        record_->bytes_out = program.output_bytes();
    }
    // The private copies go before the caller hears of the exit, so a caller that looks right
    // after the call never finds them.
    if (directory_) {
        co_await directory_->remove(context_.ring);
        directory_.reset();
    }
    if (!program.client_gone()) {
        const std::uint64_t consumed = stdio.take_stdin_consumed();
        if (consumed != protocol::kStdinConsumedUnknown) {
            spdlog::debug("session {}: the program consumed {} of {} stdin bytes", id_, consumed,
                          stdio.stdin_written());
        }
        std::vector<std::uint8_t> frame;
        protocol::encode_exit(status, {}, frame, consumed);
        co_await report(frame);
    }
    // Ends the client-frame relay wherever it waits: on the socket or on the child's stdin
    // (which a grandchild may still hold open without reading).
    call_over.request_stop();
}

ring::Task<void> Session::report_not_started(const ExitStatus& status, const std::string& detail) {
    const std::string outcome = status_text(status, detail);
    spdlog::info("session {}: {}", id_, outcome);
    if (record_) record_->outcome = outcome;
    std::vector<std::uint8_t> frame;
    protocol::encode_exit(status, detail, frame);
    co_await report(frame);
}

ring::Task<void> Session::refuse(std::string message) {
    std::vector<std::uint8_t> frame;
    protocol::encode_error(message, frame);
    co_await report(frame);
}

ring::Task<void> Session::report(std::span<const std::uint8_t> frame) {
    ring::StopSource stop;
    const auto limit = context_.config.report_timeout;
    auto send = [&]() -> ring::Task<void> {
        const bool sent = co_await writer_.send(frame, stop.token());
        (void)sent;  // a client that went away needs no report
    };
    const bool expired = co_await ring::with_deadline(context_.ring, limit, stop, send());
    if (expired) {
        spdlog::info(
            "session {}: reporting: the client did not take the report within {} ms "
            "(--report-timeout); closing",
            id_, whole_milliseconds(limit));
    }
}

}  // namespace bro::server
