#include "server/session.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <system_error>

#include "core/reply_encoding.hpp"
#include "ring/deadline.hpp"
#include "ring/when_all.hpp"
#include "server/call_record.hpp"
#include "server/file_upload.hpp"
#include "server/limit_flags.hpp"
#include "server/peer_cgroup.hpp"
#include "server/program_run.hpp"
#include "server/pseudo_terminal.hpp"
#include "server/session_errors.hpp"
#include "server/status_text.hpp"

extern char** environ;

namespace bro::server {
namespace {

using protocol::FrameType;

}  // namespace

Session::Session(SessionContext& context, UniqueFd socket, std::uint64_t id, PeerCredentials peer,
                 AdmissionSlot slot)
    : context_(context),
      socket_(std::move(socket)),
      id_(id),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      reader_(context.ring, socket_.get(), context.config.limits),
      writer_(context.ring, socket_.get()),
      phase_(id) {
    // Payloads are spliced into this socket and out of it (nonblocking_splice.hpp).
    assert((::fcntl(socket_.get(), F_GETFL) & O_NONBLOCK) &&
           "a Session needs a nonblocking socket");
    context_.live_sessions.insert(this);
}

Session::~Session() {
    context_.live_sessions.erase(this);
}

void Session::abort() {
    if (child_) child_->kill_group(SIGKILL);
    shutdown(socket_.get(), SHUT_RDWR);
}

ring::Task<void> Session::run(std::chrono::nanoseconds waited) {
    started_ -= waited;  // the call began at accept, before its first bytes were awaited
    if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("session {}: connected ({})", id_, describe(peer_));
    }
    std::string refusal;
    try {
        co_await serve(waited);
    } catch (const RequestRefused& e) {
        refusal = e.what();
    } catch (const LimitExceeded& e) {
        refusal = e.what() + limit_hint(e.limit);
    } catch (const ProtocolViolation& e) {
        refusal = std::string("protocol error: ") + e.what();
    } catch (const std::system_error& e) {
        refusal = std::string("server error: ") + e.what();
    }
    if (!refusal.empty()) {
        spdlog::warn("session {}: refused: {} (while {})", id_, refusal,
                     phase_name(phase_.current()));
        if (record_) record_->outcome = "refused: " + refusal;
        co_await refuse(std::move(refusal));
    }
    if (record_ && spdlog::should_log(spdlog::level::info)) {
        record_->duration = std::chrono::steady_clock::now() - started_;
        spdlog::info("session {}: {}", id_, format_call_record(*record_));
    }
}

ring::Task<void> Session::serve(std::chrono::nanoseconds waited) {
    auto received = co_await receive_request_in_time(waited);
    if (!received) co_return;
    const protocol::Request& request = received->request;
    start_record(request);
    check_arguments_allowed(request);
    if (request.mode == protocol::TransferMode::kFdPassing) {
        co_await run_with_fds(request, std::move(received->fds));
    } else {
        co_await run_with_content(request);
    }
}

// ---- receiving -----------------------------------------------------------------------------

// --request-timeout: a connection that has not sent its whole Request by then is closed.
ring::Task<std::optional<Session::Received>> Session::receive_request_in_time(
    std::chrono::nanoseconds waited) {
    ring::StopSource stop;
    const auto limit = context_.config.request_timeout;
    const auto left = std::max(limit - waited, std::chrono::nanoseconds(1));  // never "none"
    auto received =
        co_await ring::with_deadline(context_.ring, left, stop, receive_request(stop.token()));
    // A request that completed as the time ran out still counts.
    if (received.value && *received.value) co_return std::move(*received.value);
    if (received.expired) {
        spdlog::info("session {}: no complete request within {} ms; closing", id_,
                     std::chrono::duration_cast<std::chrono::milliseconds>(limit).count());
    }
    co_return std::nullopt;
}

// An fd-passing Request to a server that takes only content mode gets ModeRejected followed by
// RetryHere: the client's content-mode Request may follow on this same connection, once,
// within the same --request-timeout, instead of costing a second connection.
ring::Task<std::optional<Session::Received>> Session::receive_request(ring::StopToken stop) {
    for (bool retry_offered = false;; retry_offered = true) {
        const auto header = co_await reader_.next_header(stop);
        if (!header) {
            spdlog::debug("session {}: closed before sending a request", id_);
            co_return std::nullopt;
        }
        if (header->type != FrameType::kRequest) {
            throw ProtocolViolation(std::string("expected a Request frame first, got ") +
                                    protocol::frame_name(header->type));
        }
        const auto payload = co_await reader_.whole_payload(header->length, stop);
        if (!payload) co_return std::nullopt;
        auto decoded = protocol::decode_request(*payload, context_.config.limits);
        if (auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
            if (error->exceeded) throw LimitExceeded(*error->exceeded, error->message);
            throw ProtocolViolation(error->message);
        }
        Received received{std::move(std::get<protocol::Request>(decoded)), {}};
        reader_.stop_accepting_fds();
        received.fds = reader_.take_received_fds();
        const bool fd_mode = received.request.mode == protocol::TransferMode::kFdPassing;
        if (!(fd_mode ? context_.config.accept_fd_passing : context_.config.accept_content)) {
            const bool offer_retry = fd_mode && !retry_offered;  // content mode is accepted
            co_await reject_mode(offer_retry);
            if (offer_retry) continue;
            co_return std::nullopt;
        }
        if (retry_offered) {
            if (auto refusal = slot_.readmit(peer_)) throw RequestRefused(*refusal);
        }
        const std::size_t expected_fds = received.request.fd_count();
        if (received.fds.size() != expected_fds) {
            throw ProtocolViolation("the request carries " + std::to_string(received.fds.size()) +
                                    " descriptors, its mode needs " + std::to_string(expected_fds));
        }
        co_return std::move(received);
    }
}

ring::Task<void> Session::reject_mode(bool offer_retry) {
    const auto& config = context_.config;
    const std::uint8_t accepted = (config.accept_content ? protocol::kAcceptsContent : 0) |
                                  (config.accept_fd_passing ? protocol::kAcceptsFdPassing : 0);
    spdlog::debug("session {}: transfer mode not accepted; told the client{}", id_,
                  offer_retry ? ", which may retry on this connection" : "");
    // A client that retries on a new connection must find the slot free; one that retries
    // here is admitted again when its Request arrives.
    slot_.release();
    std::vector<std::uint8_t> frame;
    protocol::encode_mode_rejected(accepted, frame);
    if (offer_retry) protocol::encode_retry_here(frame);
    co_await writer_.send(frame);
}

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

void Session::check_arguments_allowed(const protocol::Request& request) const {
    if (!context_.config.no_client_args || request.arguments.empty()) return;
    throw RequestRefused("this server takes no arguments (--no-client-args), but the request has " +
                         std::to_string(request.arguments.size()) +
                         "; call the command without arguments");
}

// ---- uploading and planning ----------------------------------------------------------------

ring::Task<void> Session::run_with_content(const protocol::Request& request) {
    std::vector<std::string> file_paths;
    if (!request.files.empty()) {
        phase_.enter(Phase::kUploading);
        create_directory();
        FileUpload upload(context_.ring, reader_, socket_.get(), context_.config.limits, id_);
        ring::StopSource stop;
        auto uploaded = co_await upload.receive(request, *directory_, stop.token());
        if (record_) record_->bytes_in += upload.uploaded();
        if (!uploaded) co_return;  // the client went away
        file_paths = std::move(*uploaded);
    }
    ChildSide child_side;
    ChildStdio stdio = ChildStdio::open(request, child_side);
    // The caller's directory may not exist on this side (another mount namespace): then the
    // child runs in the session's private directory, made for it now. One access() call;
    // the child still falls back to / should the directory vanish in between.
    if (!directory_ && context_.config.cwd_policy == CwdPolicy::kCaller &&
        ::access(request.cwd.c_str(), X_OK) != 0) {
        create_directory();
    }
    const SpawnRequest spawn = plan({request,
                                     peer_,
                                     child_side.fds,
                                     file_paths,
                                     {},
                                     -1,
                                     directory_ ? directory_->path() : "/"});
    if (stdio.terminal() && spawn.identity) give_terminal_to(spawn.stdin_fd, spawn.identity->uid);
    co_await run_program(spawn, std::move(child_side.owned), stdio, request.arguments.size());
}

// fd mode: no byte of data passes through the server; it only watches the client and the
// child.
ring::Task<void> Session::run_with_fds(const protocol::Request& request,
                                       std::vector<UniqueFd> fds) {
    std::vector<int> numbers(fds.size());
    std::transform(fds.begin(), fds.end(), numbers.begin(),
                   [](const UniqueFd& fd) { return fd.get(); });
    const ReceivedFdPlan received = plan_received_fds(request, numbers);
    const SpawnRequest spawn = plan({request, peer_, received.stdio, received.file_paths,
                                     received.extra_fds, received.cwd_fd, "/"});
    ChildStdio nothing_relayed;
    co_await run_program(spawn, std::move(fds), nothing_relayed, request.arguments.size());
}

SpawnRequest Session::plan(const SpawnInputs& inputs) const {
    const SpawnPolicy policy{context_.config, context_.env_policy, environ};
    // The reason is worked out again only when it will be logged.
    const auto on_refused = [&](std::string_view name) {
        if (!spdlog::should_log(spdlog::level::debug)) return;
        spdlog::debug("session {}: dropped environment variable {} ({})", id_, name,
                      context_.env_policy.why_refused(name));
    };
    return plan_spawn(policy, inputs, on_refused);
}

void Session::create_directory() {
    std::optional<FileOwner> owner;
    if (const auto identity = child_identity(context_.config, peer_)) {
        owner = FileOwner{identity->uid, identity->gid};
    }
    directory_.emplace(context_.config.tmpdir, id_, owner);
}

// ---- running, draining, reporting ----------------------------------------------------------

ring::Task<void> Session::run_program(const SpawnRequest& spawn, std::vector<UniqueFd> child_side,
                                      ChildStdio& stdio, std::size_t argument_count) {
    phase_.enter(Phase::kRunning);
    SpawnNotes notes;
    auto spawned = context_.spawner.spawn(spawn, &notes);
    child_side.clear();
    if (notes.used_fallback_directory) {
        spdlog::debug("session {}: the caller's directory {} is not usable here; running in {}",
                      id_, spawn.working_directory, spawn.fallback_directory);
    }
    if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
        phase_.enter(Phase::kReporting);
        const std::string outcome = status_text(failure->status, failure->detail);
        spdlog::info("session {}: {}", id_, outcome);
        if (record_) record_->outcome = outcome;
        std::vector<std::uint8_t> frame;
        protocol::encode_exit(failure->status, failure->detail, frame);
        co_await writer_.send(frame);
        co_return;
    }
    child_.emplace(std::move(std::get<ChildProcess>(spawned)));
    spdlog::debug("session {}: started pid {} with {} argument(s)", id_, child_->pid(),
                  argument_count);
    ProgramRun program({context_.ring, context_.config, id_, reader_, writer_, phase_}, *child_,
                       stdio);
    ring::StopSource call_over;
    co_await ring::when_all(program.relay_client_frames(call_over.token()),
                            report_exit(program, stdio, call_over));
}

ring::Task<void> Session::report_exit(ProgramRun& program, ChildStdio& stdio,
                                      ring::StopSource& call_over) {
    const ExitStatus status = co_await program.run_to_exit();
    phase_.enter(Phase::kReporting);
    spdlog::debug("session {}: pid {} {}", id_, child_->pid(), status_text(status));
    if (record_) {
        record_->outcome = status_text(status) + (status.timed_out ? " (ran past --timeout)" : "") +
                           (program.client_gone() ? " (the client went away)" : "");
        record_->bytes_in += program.stdin_bytes();
        record_->bytes_out = program.output_bytes();
    }
    // The private copies go before the caller hears of the exit, so a caller that looks right
    // after the call never finds them.
    directory_.reset();
    if (!program.client_gone()) {
        const std::uint64_t consumed = stdio.take_stdin_consumed();
        if (consumed != protocol::kStdinConsumedUnknown) {
            spdlog::debug("session {}: the program consumed {} of {} stdin bytes", id_, consumed,
                          stdio.stdin_written());
        }
        std::vector<std::uint8_t> frame;
        protocol::encode_exit(status, {}, frame, consumed);
        co_await writer_.send(frame);
    }
    // Ends the client-frame relay wherever it waits: on the socket or on the child's stdin
    // (which a grandchild may still hold open without reading).
    call_over.request_stop();
}

ring::Task<void> Session::refuse(std::string message) {
    std::vector<std::uint8_t> frame;
    protocol::encode_error(message, frame);
    co_await writer_.send(frame);
}

}  // namespace bro::server
