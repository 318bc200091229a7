#include "server/session.hpp"

#include <fcntl.h>
#include <poll.h>
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
#include "server/file_upload.hpp"
#include "server/limit_flags.hpp"
#include "server/log_durations.hpp"
#include "server/program_run.hpp"
#include "server/pseudo_terminal.hpp"
#include "server/session_errors.hpp"
#include "server/status_text.hpp"

extern char** environ;

namespace bro::server {
namespace {

using protocol::FrameType;

// How long a session cgroup may take to empty after cgroup.kill (killed processes leave in
// milliseconds; one stuck in the kernel is left behind, logged).
constexpr auto kCgroupEmptying = std::chrono::seconds(2);

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
    } catch (const ServerBusy& e) {
        refusal = e.what();
    } catch (const std::system_error& e) {
        const int error = e.code().value();
        refusal = error == EMFILE || error == ENFILE
                      ? std::string("the server is busy: it is out of descriptors (") + e.what() +
                            "); try again later"
                      : std::string("server error: ") + e.what();
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
        spdlog::info(
            "session {}: receiving: no complete request within {} ms (--request-timeout); closing",
            id_, whole_milliseconds(limit));
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
        slot_.hold_descriptors(received.fds.size());  // until the child has them
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
    co_await report(frame);
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
        auto uploaded = co_await upload_files(request);
        if (!uploaded) co_return;  // the client went away
        file_paths = std::move(*uploaded);
    }
    const auto where = co_await choose_directory(request, -1);
    if (!where) co_return;
    // The caller's directory may not exist on this side (another mount namespace): then the
    // child runs in the session's private directory, made for it now.
    if (where->error != 0 && !directory_) create_directory();
    ChildSide child_side;
    ChildStdio stdio = ChildStdio::open(request, child_side);
    SpawnRequest spawn = plan({request,
                               peer_,
                               child_side.fds,
                               file_paths,
                               {},
                               where->fd.get(),
                               directory_ ? directory_->path() : "/",
                               where->error != 0});
    if (stdio.terminal() && spawn.identity) give_terminal_to(spawn.stdin_fd, spawn.identity->uid);
    co_await run_program(spawn, std::move(child_side.owned), stdio, request);
}

// fd mode: no byte of data passes through the server; it only watches the client and the
// child.
ring::Task<void> Session::run_with_fds(const protocol::Request& request,
                                       std::vector<UniqueFd> fds) {
    std::vector<int> numbers(fds.size());
    std::transform(fds.begin(), fds.end(), numbers.begin(),
                   [](const UniqueFd& fd) { return fd.get(); });
    const ReceivedFdPlan received = plan_received_fds(request, numbers);
    const auto where = co_await choose_directory(request, received.cwd_fd);
    if (!where) co_return;
    SpawnRequest spawn = plan({request, peer_, received.stdio, received.file_paths,
                               received.extra_fds, where->fd.get(), "/", where->error != 0});
    ChildStdio nothing_relayed;
    co_await run_program(spawn, std::move(fds), nothing_relayed, request);
}

ring::Task<std::optional<std::vector<std::string>>> Session::upload_files(
    const protocol::Request& request) {
    ring::Activity activity;
    FileUpload upload(context_.ring, reader_, socket_.get(), context_.config.limits, id_, activity);
    ring::StopSource stop;
    const auto limit = context_.config.upload_timeout;
    auto uploaded = co_await ring::with_idle_deadline(
        context_.ring, limit, stop, activity, upload.receive(request, *directory_, stop.token()));
    if (record_) record_->bytes_in += upload.uploaded();
    // An upload that completed as the time ran out still counts.
    if (uploaded.value && *uploaded.value) co_return std::move(*uploaded.value);
    if (!uploaded.expired) co_return std::nullopt;
    spdlog::info("session {}: uploading: no data for {} ms (--upload-timeout); closing", id_,
                 whole_milliseconds(limit));
    throw RequestRefused("the upload of the file arguments stalled: no data arrived for " +
                         std::to_string(whole_milliseconds(limit)) + " ms (--upload-timeout)");
}

ring::Task<std::optional<WorkingDirectory>> Session::choose_directory(
    const protocol::Request& request, int received_cwd) {
    const auto identity = child_identity(context_.config, peer_);
    WorkingDirectory where = co_await find_working_directory(
        context_.cwd_resolver, context_.config, request, received_cwd, identity, peer_.uid, id_);
    if (where.error == 0 || context_.config.cwd_policy == CwdPolicy::kCaller) co_return where;
    // --cwd caller-strict or DIR: no fallback, the program does not start.
    phase_.enter(Phase::kReporting);
    const ExitStatus status = ExitStatus::not_started(SpawnStep::kChangeDirectory, where.error);
    co_await report_not_started(status, "chdir " + where.path);
    co_return std::nullopt;
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
    directory_.emplace(context_.config.tmpdir, id_, context_.remover, owner);
}

// ---- running, draining, reporting ----------------------------------------------------------

ring::Task<void> Session::run_program(SpawnRequest& spawn, std::vector<UniqueFd> child_side,
                                      ChildStdio& stdio, const protocol::Request& request) {
    phase_.enter(Phase::kRunning);
    if (client_left()) {
        spdlog::info("session {}: the client left before the program started; not running it", id_);
        co_return;
    }
    std::optional<SessionCgroup> cgroup =
        context_.cgroups != nullptr ? context_.cgroups->create(id_) : std::nullopt;
    if (cgroup) spawn.cgroup_fd = cgroup->fd();
    SpawnNotes notes;
    auto spawned = context_.spawner.spawn(spawn, &notes);
    child_side.clear();
    slot_.hold_descriptors(0);
    if (notes.used_fallback_directory) {
        spdlog::debug("session {}: the caller's directory {} is not usable here; running in {}",
                      id_, spawn.working_directory, spawn.fallback_directory);
    }
    if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
        phase_.enter(Phase::kReporting);
        co_await report_not_started(failure->status, failure->detail);
        co_return;
    }
    child_.emplace(std::move(std::get<ChildProcess>(spawned)));
    spdlog::debug("session {}: started pid {} with {} argument(s)", id_, child_->pid(),
                  request.arguments.size());
    if (request.wants_started) {
        std::vector<std::uint8_t> started;
        protocol::encode_started(started);
        co_await writer_.send(started);
    }
    ProgramRun program({context_.ring, context_.config, id_, reader_, writer_, phase_}, *child_,
                       stdio);
    ring::StopSource call_over;
    co_await ring::when_all(program.relay_client_frames(call_over.token()),
                            report_exit(program, stdio, call_over, cgroup ? &*cgroup : nullptr));
    if (cgroup) co_await cgroup->remove(context_.ring, kCgroupEmptying);
}

bool Session::client_left() const {
    // POLLHUP: the client closed its end entirely (as an interrupted bro-client does), not
    // just its sending side.
    pollfd connection{socket_.get(), 0, 0};
    return ::poll(&connection, 1, 0) == 1 && (connection.revents & (POLLHUP | POLLERR)) != 0;
}

}  // namespace bro::server
