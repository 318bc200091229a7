#include "server/session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "core/reply_encoding.hpp"
#include "ring/child_wait.hpp"
#include "ring/operations.hpp"
#include "ring/when_all.hpp"
#include "server/limit_flags.hpp"
#include "server/pseudo_terminal.hpp"
#include "server/run_as.hpp"

extern char** environ;

namespace bro::server {
namespace {

using protocol::FrameType;

// A request the server will not run; the message goes to the client as an Error frame.
struct RequestRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr std::size_t kSpliceChunk = 1 << 20;

struct Pipe {
    UniqueFd read, write;
};
Pipe make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe2");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

long long milliseconds(std::chrono::nanoseconds duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

std::string describe_status(const ExitStatus& status, std::string_view detail = {}) {
    switch (status.kind) {
        case ExitStatus::Kind::kExited:
            return "exited with " + std::to_string(status.code);
        case ExitStatus::Kind::kSignaled:
            return "killed by signal " + std::to_string(status.code) +
                   (status.core_dumped ? " (core dumped)" : "");
        case ExitStatus::Kind::kNotStarted:
            return "could not " + std::string(describe(status.failed_step)) + " (" +
                   std::string(detail) + "): " + std::strerror(status.error_number);
    }
    return "?";
}

}  // namespace

Session::Session(SessionContext& context, UniqueFd socket, std::uint64_t id, PeerCredentials peer,
                 AdmissionSlot slot)
    : context_(context),
      socket_(std::move(socket)),
      id_(id),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      reader_(context.ring, socket_.get(), context.config.limits),
      writer_(context.ring, socket_.get()) {
    context_.live_sessions.insert(this);
}

Session::~Session() {
    context_.live_sessions.erase(this);
}

void Session::abort() {
    if (child_) child_->kill_group(SIGKILL);
    shutdown(socket_.get(), SHUT_RDWR);
}

ring::Task<void> Session::run() {
    if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("session {}: connected ({})", id_, describe(peer_));
    }
    std::string refusal;
    try {
        std::optional<protocol::Request> request;
        std::vector<ring::Task<void>> parts;
        parts.push_back(receive_request_in_time(request));
        parts.push_back(enforce_request_deadline());
        co_await ring::when_all(std::move(parts));
        if (request) check_arguments_allowed(*request);
        if (request && request->mode == protocol::TransferMode::kFdPassing) {
            co_await execute_with_fds(*request);
        } else if (request) {
            const bool files_received = co_await receive_files(*request);
            if (files_received) co_await execute(*request);
        }
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
        spdlog::warn("session {}: refused: {}", id_, refusal);
        co_await refuse(std::move(refusal));
    }
}

ring::Task<void> Session::receive_request_in_time(std::optional<protocol::Request>& request) {
    struct StopDeadline {  // on every exit path, exceptions included
        Session& session;
        ~StopDeadline() {
            session.request_done_ = true;
            if (session.request_timer_ != nullptr) session.context_.ring.cancel(*session.request_timer_);
        }
    } stop{*this};
    request = co_await receive_request();
}

// --request-timeout: a connection that has not sent its whole Request by then is cut off (its
// pending receive is cancelled, which ends receive_request()).
ring::Task<void> Session::enforce_request_deadline() {
    if (request_done_) co_return;
    const bool expired =
        co_await wait_unless_cancelled(context_.config.request_timeout, request_timer_);
    if (!expired || request_done_) co_return;
    spdlog::info("session {}: no complete request within {} ms; closing", id_,
                 milliseconds(context_.config.request_timeout));
    context_.ring.cancel_fd(socket_.get());
}

ring::Task<std::optional<protocol::Request>> Session::receive_request() {
    auto header = co_await reader_.next_header();
    if (!header) {
        spdlog::debug("session {}: closed before sending a request", id_);
        co_return std::nullopt;
    }
    if (header->type != FrameType::kRequest) {
        throw ProtocolViolation(std::string("expected a Request frame first, got ") +
                                protocol::frame_name(header->type));
    }
    auto payload = co_await reader_.whole_payload(header->length);
    if (!payload) co_return std::nullopt;
    auto decoded = protocol::decode_request(*payload, context_.config.limits);
    if (auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        if (error->exceeded) throw LimitExceeded(*error->exceeded, error->message);
        throw ProtocolViolation(error->message);
    }
    auto& request = std::get<protocol::Request>(decoded);
    reader_.stop_accepting_fds();
    received_fds_ = reader_.take_received_fds();
    const bool fd_mode = request.mode == protocol::TransferMode::kFdPassing;
    if (!(fd_mode ? context_.config.accept_fd_passing : context_.config.accept_content)) {
        co_await reject_mode();
        co_return std::nullopt;
    }
    const std::size_t expected_fds = request.fd_count();
    if (received_fds_.size() != expected_fds) {
        throw ProtocolViolation("the request carries " + std::to_string(received_fds_.size()) +
                                " descriptors, its mode needs " + std::to_string(expected_fds));
    }
    co_return std::move(request);
}

ring::Task<void> Session::reject_mode() {
    const auto& config = context_.config;
    const std::uint8_t accepted = (config.accept_content ? protocol::kAcceptsContent : 0) |
                                  (config.accept_fd_passing ? protocol::kAcceptsFdPassing : 0);
    spdlog::debug("session {}: transfer mode not accepted; told the client", id_);
    // The client retries in another mode at once: its new connection must find the slot free.
    slot_.release();
    std::vector<std::uint8_t> frame;
    protocol::encode_mode_rejected(accepted, frame);
    co_await writer_.send(frame);
}

ring::Task<bool> Session::receive_files(const protocol::Request& request) {
    if (request.files.empty()) co_return true;
    create_directory();
    reader_.prepare_for_streaming();
    std::size_t uploaded = 0;
    for (std::size_t index = 0; index < request.files.size(); ++index) {
        const auto& argument = request.files[index];
        if (!argument.own_file()) {  // named earlier: the same copy serves both arguments
            file_paths_.push_back(file_paths_[argument.same_as]);
            continue;
        }
        std::string path;
        UniqueFd file = directory_->create_file(index, argument.basename, path);
        file_paths_.push_back(path);
        for (;;) {
            auto header = co_await reader_.next_header(/*leave_payload_in_socket=*/true);
            if (!header) co_return false;
            if (header->type == FrameType::kFileEnd) break;
            if (header->type != FrameType::kFileData) {
                throw ProtocolViolation(std::string("expected FileData or FileEnd, got ") +
                                        protocol::frame_name(header->type));
            }
            uploaded += header->length;
            check_upload_size(uploaded, index);
            const bool copied = co_await copy_payload_to_file(file.get(), header->length);
            if (!copied) co_return false;
        }
        spdlog::debug("session {}: file argument {} received as {}", id_, index, path);
    }
    co_return true;
}

// --max-file-bytes bounds what one request may put into --tmpdir; checked before each chunk
// is copied, so the files never grow past it.
void Session::check_upload_size(std::size_t uploaded, std::size_t file_index) const {
    const std::size_t limit = context_.config.limits.max_file_bytes;
    if (uploaded <= limit) return;
    throw LimitExceeded(Limit::kFileBytes, "file arguments hold more than " +
                                               std::to_string(limit) + " bytes (at file argument " +
                                               std::to_string(file_index + 1) + "), limit " +
                                               std::to_string(limit));
}

// Bytes already buffered are written; the rest of the payload goes socket -> pipe -> file by
// splice, never through user space.
ring::Task<bool> Session::copy_payload_to_file(int file_fd, std::uint32_t length) {
    std::size_t remaining = length;
    if (reader_.buffered() > 0) {
        auto piece = reader_.take_buffered(remaining);
        remaining -= piece.size();
        const bool written = co_await write_all(file_fd, piece);
        if (!written) {
            throw std::system_error(errno, std::system_category(), "write file argument");
        }
    }
    if (remaining > 0 && !splice_pipe_read_) {
        auto pipe = make_pipe();
        // A bigger pipe moves more per splice; each io_uring splice is an io-wq hand-off.
        fcntl(pipe.write.get(), F_SETPIPE_SZ, static_cast<int>(kSpliceChunk));
        splice_pipe_read_ = std::move(pipe.read);
        splice_pipe_write_ = std::move(pipe.write);
    }
    while (remaining > 0) {
        const auto chunk = static_cast<unsigned>(std::min(remaining, kSpliceChunk));
        const ring::IoResult in =
            co_await ring::Splice(context_.ring, socket_.get(), splice_pipe_write_.get(), chunk);
        if (!in || in.value() == 0) co_return false;  // the client went away mid-file
        for (int moved = 0; moved < in.value();) {
            const ring::IoResult out =
                co_await ring::Splice(context_.ring, splice_pipe_read_.get(), file_fd,
                                      static_cast<unsigned>(in.value() - moved));
            if (!out || out.value() == 0) {
                throw std::system_error(out.error(), "write file argument");
            }
            moved += out.value();
        }
        remaining -= static_cast<std::size_t>(in.value());
    }
    co_return true;
}

ring::Task<bool> Session::write_all(int fd, std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ring::IoResult written = co_await ring::Write(context_.ring, fd, bytes);
        if (!written) {
            if (written.raw() == -EINTR) continue;
            errno = -written.raw();
            co_return false;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(written.value()));
    }
    co_return true;
}

ring::Task<bool> Session::write_stdin_counted(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(stdin_write_.get(), bytes.data(), bytes.size());
        if (n > 0) {
            stdin_written_ += static_cast<std::uint64_t>(n);
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            const ring::IoResult ready =
                co_await ring::Poll(context_.ring, stdin_write_.get(), POLLOUT);
            if (!ready && ready.raw() != -EINTR) {
                errno = -ready.raw();
                co_return false;
            }
        } else if (n < 0 && errno != EINTR) {
            co_return false;
        }
    }
    co_return true;
}

std::vector<std::string> Session::child_environment(const protocol::Request& request) const {
    // The reason is worked out again only when it will be logged.
    const auto on_refused = [&](std::string_view name) {
        if (!spdlog::should_log(spdlog::level::debug)) return;
        spdlog::debug("session {}: dropped environment variable {} ({})", id_, name,
                      context_.env_policy.why_refused(name));
    };
    auto environment =
        context_.env_policy.build_child_environment(request.environment, environ, on_refused);
    // The policy let no BRO_PEER_* variable through: these are the only ones.
    environment.push_back("BRO_PEER_UID=" + std::to_string(peer_.uid));
    environment.push_back("BRO_PEER_GID=" + std::to_string(peer_.gid));
    environment.push_back("BRO_PEER_PID=" + std::to_string(peer_.pid));
    return environment;
}

std::vector<std::string> Session::child_argv(const protocol::Request& request) const {
    const ServerConfig& config = context_.config;
    std::vector<std::string> argv;
    argv.reserve(1 + config.prepend_args.size() + request.arguments.size());
    argv.push_back(config.argv0.empty() ? config.executable : config.argv0);
    argv.insert(argv.end(), config.prepend_args.begin(), config.prepend_args.end());
    // File arguments index the client's arguments: skip argv[0] and the fixed ones.
    const std::size_t first_client_argument = argv.size();
    argv.insert(argv.end(), request.arguments.begin(), request.arguments.end());
    for (std::size_t i = 0; i < request.files.size(); ++i) {
        const auto& file = request.files[i];
        auto& argument = argv[first_client_argument + file.argument_index];
        argument = argument.substr(0, file.path_offset) + file_paths_[i];
    }
    return argv;
}

std::optional<ChildIdentity> Session::child_identity() const {
    if (context_.config.run_as_peer) return identity_of_peer(peer_);
    return context_.config.run_as;
}

void Session::create_directory() {
    std::optional<FileOwner> owner;
    if (const auto identity = child_identity()) owner = FileOwner{identity->uid, identity->gid};
    directory_.emplace(context_.config.tmpdir, id_, owner);
}

void Session::check_arguments_allowed(const protocol::Request& request) const {
    if (!context_.config.no_client_args || request.arguments.empty()) return;
    throw RequestRefused("this server takes no arguments (--no-client-args), but the request has " +
                         std::to_string(request.arguments.size()) +
                         "; call the command without arguments");
}

void Session::choose_directory(const protocol::Request& request, int cwd_fd, std::string fallback,
                               SpawnRequest& spawn) const {
    const ServerConfig& config = context_.config;
    if (config.cwd_policy == CwdPolicy::kFixed) {
        spawn.working_directory = config.fixed_cwd;
        return;
    }
    spawn.working_directory_fd = cwd_fd;
    spawn.working_directory = request.cwd;
    if (config.cwd_policy == CwdPolicy::kCaller) spawn.fallback_directory = std::move(fallback);
}

ring::Task<void> Session::execute(const protocol::Request& request) {
    SpawnRequest spawn;
    std::vector<UniqueFd> child_ends =
        request.terminal ? attach_terminal(request, spawn) : attach_pipes(request, spawn);
    spawn.executable = context_.config.executable;
    spawn.argv = child_argv(request);
    spawn.environment = child_environment(request);
    // The caller's directory may not exist on this side (another mount namespace): then the
    // child runs in the session's private directory, made for it now. One access() call;
    // the child still falls back to / should the directory vanish in between.
    if (!directory_ && context_.config.cwd_policy == CwdPolicy::kCaller &&
        ::access(request.cwd.c_str(), X_OK) != 0) {
        create_directory();
    }
    choose_directory(request, -1, directory_ ? directory_->path() : "/", spawn);
    spawn.umask = request.umask;
    spawn.identity = child_identity();
    if (terminal_ && spawn.identity) give_terminal_to(spawn.stdin_fd, spawn.identity->uid);

    if (request.stdin_mode == protocol::StdinMode::kStreamed) reader_.prepare_for_streaming();
    co_await start_run(std::move(spawn), std::move(child_ends), request.arguments.size());
}

std::vector<UniqueFd> Session::attach_pipes(const protocol::Request& request, SpawnRequest& spawn) {
    UniqueFd child_stdin;
    if (request.stdin_mode == protocol::StdinMode::kStreamed) {
        auto pipe = make_pipe();
        child_stdin = std::move(pipe.read);
        stdin_write_ = std::move(pipe.write);
        if (request.reports_stdin) {
            stdin_probe_ = UniqueFd(fcntl(child_stdin.get(), F_DUPFD_CLOEXEC, 0));
            // Nonblocking writes (our end only) return exactly what entered the pipe, so
            // stdin_written_ is exact when the child exits, even with a write pending.
            if (!stdin_probe_ || fcntl(stdin_write_.get(), F_SETFL, O_NONBLOCK) != 0) {
                throw std::system_error(errno, std::system_category(), "prepare stdin report");
            }
        }
    } else {
        child_stdin = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!child_stdin) throw std::system_error(errno, std::system_category(), "open /dev/null");
    }
    auto out = make_pipe();
    auto err = make_pipe();
    stdout_read_ = std::move(out.read);
    stderr_read_ = std::move(err.read);
    spawn.stdin_fd = child_stdin.get();
    spawn.stdout_fd = out.write.get();
    spawn.stderr_fd = err.write.get();
    std::vector<UniqueFd> child_ends;
    child_ends.push_back(std::move(child_stdin));
    child_ends.push_back(std::move(out.write));
    child_ends.push_back(std::move(err.write));
    return child_ends;
}

// stdout and stderr both reach the client as Stdout frames, merged by the terminal as they
// would be on a local one.
std::vector<UniqueFd> Session::attach_terminal(const protocol::Request& request,
                                               SpawnRequest& spawn) {
    const protocol::WindowSize& size = *request.terminal;
    PseudoTerminal pty = open_pseudo_terminal(size);
    if (request.terminal_modes) set_terminal_modes(pty.terminal.get(), *request.terminal_modes);
    stdin_write_ = UniqueFd(fcntl(pty.controller.get(), F_DUPFD_CLOEXEC, 0));
    if (!stdin_write_) {
        throw std::system_error(errno, std::system_category(), "fcntl F_DUPFD_CLOEXEC /dev/ptmx");
    }
    stdout_read_ = std::move(pty.controller);
    terminal_ = true;
    spawn.stdin_fd = spawn.stdout_fd = spawn.stderr_fd = pty.terminal.get();
    spawn.controlling_terminal = true;
    spdlog::debug("session {}: pseudo-terminal of {} rows, {} columns, {} settings", id_, size.rows,
                  size.columns, request.terminal_modes ? "the caller's" : "default");
    std::vector<UniqueFd> child_ends;
    child_ends.push_back(std::move(pty.terminal));
    return child_ends;
}

// fd mode: the received descriptors become the child's fds 0-2, file arguments from 3 up
// (skipping forwarded numbers) with argv pointing at /dev/fd/N, and forwarded fds at their
// own numbers. No byte of data passes through the server.
ring::Task<void> Session::execute_with_fds(const protocol::Request& request) {
    std::vector<UniqueFd> fds = std::move(received_fds_);
    const auto& forwarded = request.forwarded_fds;
    SpawnRequest spawn;
    int next_target = 3;
    std::size_t next_fd = 3;  // received descriptors: one per distinct file, in order
    for (const auto& file : request.files) {
        if (!file.own_file()) {  // named earlier: the same descriptor serves both arguments
            file_paths_.push_back(file_paths_[file.same_as]);
            continue;
        }
        while (std::find(forwarded.begin(), forwarded.end(), next_target) != forwarded.end()) {
            ++next_target;
        }
        spawn.extra_fds.push_back({fds[next_fd++].get(), next_target});
        file_paths_.push_back("/dev/fd/" + std::to_string(next_target++));
    }
    for (std::size_t i = 0; i < forwarded.size(); ++i) {
        spawn.extra_fds.push_back({fds[next_fd++].get(), static_cast<int>(forwarded[i])});
    }
    spawn.executable = context_.config.executable;
    spawn.argv = child_argv(request);
    spawn.environment = child_environment(request);
    spawn.stdin_fd = fds[0].get();
    spawn.stdout_fd = fds[1].get();
    spawn.stderr_fd = fds[2].get();
    choose_directory(request, request.carries_cwd ? fds[next_fd].get() : -1, "/", spawn);
    spawn.umask = request.umask;
    spawn.identity = child_identity();
    co_await start_run(std::move(spawn), std::move(fds), request.arguments.size());
}

// Spawns the child, then runs it to the end: relaying (content mode) or only watching the
// client (fd mode), waiting for the exit, and reporting it.
ring::Task<void> Session::start_run(SpawnRequest spawn, std::vector<UniqueFd> child_ends,
                                    std::size_t argument_count) {
    SpawnNotes notes;
    auto spawned = context_.spawner.spawn(spawn, &notes);
    child_ends.clear();
    if (notes.used_fallback_directory) {
        spdlog::debug("session {}: the caller's directory {} is not usable here; running in {}",
                      id_, spawn.working_directory, spawn.fallback_directory);
    }
    if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
        spdlog::info("session {}: {}", id_, describe_status(failure->status, failure->detail));
        std::vector<std::uint8_t> frame;
        protocol::encode_exit(failure->status, failure->detail, frame);
        co_await writer_.send(frame);
        co_return;
    }
    child_.emplace(std::move(std::get<ChildProcess>(spawned)));
    spdlog::debug("session {}: started pid {} with {} argument(s)", id_, child_->pid(),
                  argument_count);
    std::vector<ring::Task<void>> parts;
    parts.push_back(pump_client_frames());
    parts.push_back(finish_run());
    co_await ring::when_all(std::move(parts));
}

ring::Task<void> Session::pump_client_frames() {
    std::string violation;
    try {
        while (!run_finished_) {
            auto header = co_await reader_.next_header();
            if (!header) break;
            if (header->type == FrameType::kStdinData) {
                const bool forwarded = co_await forward_stdin(header->length);
                if (!forwarded) break;
            } else if (header->type == FrameType::kStdinEnd) {
                stdin_write_.reset();  // the child sees end of file
            } else if (header->type == FrameType::kSignal) {
                if (header->length != 1) throw ProtocolViolation("a Signal frame holds one byte");
                const auto payload = co_await reader_.whole_payload(header->length);
                if (!payload) break;
                deliver_signal((*payload)[0]);
            } else if (header->type == FrameType::kWindowSize) {
                const auto payload = co_await reader_.whole_payload(header->length);
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
    stdin_write_.reset();
    if (run_finished_) co_return;
    if (!violation.empty()) spdlog::warn("session {}: protocol error: {}", id_, violation);
    client_vanished(violation.empty() ? "the client disconnected" : "protocol error");
    co_await enforce_kill_grace();
}

// --timeout: a run still going then gets SIGTERM to its process group, and SIGKILL after
// --kill-grace; the Exit frame says it timed out. Ends early when the child is reaped.
ring::Task<void> Session::enforce_run_timeout() {
    const auto limit = context_.config.run_timeout;
    if (limit.count() == 0 || child_reaped()) co_return;
    for (const int signal : {SIGTERM, SIGKILL}) {
        const bool expired = co_await wait_unless_cancelled(
            signal == SIGTERM ? limit : context_.config.kill_grace, run_timer_);
        if (!expired || child_reaped()) co_return;
        timed_out_ = true;
        spdlog::info("session {}: pid {} {}; sending {}", id_, child_->pid(),
                     signal == SIGTERM ? "ran past --timeout" : "outlived the grace after SIGTERM",
                     signal == SIGTERM ? "SIGTERM" : "SIGKILL");
        child_->kill_group(signal);
    }
}

// A Signal frame: only the forwardable signals, only to this connection's own child. On a
// terminal they go where the terminal's own keys send them, to its foreground process group
// (a job of the shell inside, say), and SIGHUP, a hang-up, to the child's group as well.
void Session::deliver_signal(std::uint8_t signal) {
    if (!protocol::is_forwardable_signal(signal)) {
        throw ProtocolViolation("signal " + std::to_string(signal) + " may not be forwarded");
    }
    const int controller = terminal_controller();
    const pid_t foreground = controller >= 0 ? foreground_process_group(controller) : 0;
    if (foreground > 0 && !child_reaped()) {
        spdlog::debug("session {}: forwarding signal {} to the terminal's foreground group {}", id_,
                      signal, foreground);
        ::kill(-foreground, signal);
        if (signal != SIGHUP || foreground == child_->pid()) return;
    }
    spdlog::debug("session {}: forwarding signal {} to the process group of pid {}", id_, signal,
                  child_->pid());
    child_->kill_group(signal);
}

void Session::resize_terminal(std::span<const std::uint8_t> payload) {
    if (!terminal_) throw ProtocolViolation("a WindowSize frame needs a terminal session");
    if (payload.size() != protocol::kWindowSizeBytes) {
        throw ProtocolViolation("a WindowSize frame holds " +
                                std::to_string(protocol::kWindowSizeBytes) + " bytes");
    }
    const auto size = protocol::decode_window_size(payload.first<protocol::kWindowSizeBytes>());
    const int controller = terminal_controller();
    if (controller < 0) return;  // the program is gone: nothing left to resize
    if (!resize_pseudo_terminal(controller, size)) {
        spdlog::debug("session {}: ioctl TIOCSWINSZ: {}", id_, std::strerror(errno));
        return;
    }
    spdlog::debug("session {}: terminal resized to {} rows, {} columns", id_, size.rows,
                  size.columns);
}

int Session::terminal_controller() const {
    if (!terminal_) return -1;
    if (stdout_read_) return stdout_read_.get();
    return stdin_write_ ? stdin_write_.get() : -1;
}

// The client is gone and its program got SIGTERM: give it --kill-grace to finish, then
// SIGKILL whatever is left of its process group. finish_run() cuts the wait short once the
// child is reaped.
ring::Task<void> Session::enforce_kill_grace() {
    if (!child_ || child_reaped()) co_return;
    const bool expired = co_await wait_unless_cancelled(context_.config.kill_grace, grace_timer_);
    if (!expired || child_reaped()) co_return;
    spdlog::info("session {}: pid {} outlived the {} ms grace after SIGTERM; sending SIGKILL", id_,
                 child_->pid(), milliseconds(context_.config.kill_grace));
    child_->kill_group(SIGKILL);
}

// Copies one StdinData payload into the child's stdin. A child that closed its stdin makes
// the rest be discarded, as a local pipe would; false only when the client went away.
ring::Task<bool> Session::forward_stdin(std::uint32_t length) {
    std::size_t remaining = length;
    while (remaining > 0) {
        auto piece = co_await reader_.payload_piece(remaining);
        if (!piece) co_return false;
        remaining -= piece->size();
        if (!stdin_write_) continue;
        const bool written = stdin_probe_ || terminal_
                                 ? co_await write_stdin_counted(*piece)
                                 : co_await write_all(stdin_write_.get(), *piece);
        if (!written) {
            spdlog::debug("session {}: child stdin closed early, discarding the rest", id_);
            stdin_write_.reset();
        }
    }
    co_return true;
}

void Session::client_vanished(const char* why) {
    if (client_gone_) return;
    client_gone_ = true;
    spdlog::info("session {}: {}; sending SIGTERM to the command", id_, why);
    if (child_) child_->kill_group(SIGTERM);
    // Hang the terminal up, as closing a terminal window does: once the output pump lets go
    // of the controller (stdin's descriptor is already closed), the kernel sends SIGHUP to
    // the session's leader, and an interactive shell passes it on to its jobs, which live in
    // process groups of their own.
    if (terminal_ && stdout_read_) context_.ring.cancel_fd(stdout_read_.get());
}

ring::Task<void> Session::finish_run() {
    std::vector<ring::Task<void>> parts;
    if (stdout_read_) parts.push_back(pump_output(stdout_read_, FrameType::kStdout));
    if (stderr_read_) parts.push_back(pump_output(stderr_read_, FrameType::kStderr));
    parts.push_back(wait_child());
    parts.push_back(enforce_run_timeout());
    co_await ring::when_all(std::move(parts));
    run_finished_ = true;
    if (grace_timer_ != nullptr) context_.ring.cancel(*grace_timer_);
    spdlog::info("session {}: pid {} {}", id_, child_->pid(), describe_status(status_));
    // The private copies go before the caller hears of the exit, so a caller that looks right
    // after the call never finds them.
    directory_.reset();
    if (!client_gone_) {
        std::vector<std::uint8_t> frame;
        protocol::encode_exit(status_, {}, frame, stdin_consumed());
        co_await writer_.send(frame);
    }
    stdin_probe_.reset();
    // Stop the client-frame pump wherever it waits: on the socket or on the child's stdin
    // (which a grandchild may still hold open without reading).
    context_.ring.cancel_fd(socket_.get());
    if (stdin_write_) context_.ring.cancel_fd(stdin_write_.get());
}

std::uint64_t Session::stdin_consumed() const {
    if (!stdin_probe_) return protocol::kStdinConsumedUnknown;
    int unread = 0;
    if (::ioctl(stdin_probe_.get(), FIONREAD, &unread) != 0 || unread < 0) {
        return protocol::kStdinConsumedUnknown;
    }
    const auto left = static_cast<std::uint64_t>(unread);
    // A write still in flight may already sit in the pipe without being counted yet.
    const std::uint64_t consumed = stdin_written_ > left ? stdin_written_ - left : 0;
    spdlog::debug("session {}: the program consumed {} of {} stdin bytes", id_, consumed,
                  stdin_written_);
    return consumed;
}

ring::Task<void> Session::pump_output(UniqueFd& pipe, FrameType type) {
    ++pumps_running_;
    struct Finished {  // on every exit path: the last pump ends the drain deadline
        Session& session;
        ~Finished() {
            if (--session.pumps_running_ == 0 && session.drain_timer_ != nullptr) {
                session.context_.ring.cancel(*session.drain_timer_);
            }
        }
    } finished{*this};
    std::vector<std::uint8_t> frame(protocol::kFrameHeaderBytes + kDataChunkBytes);
    const auto payload = std::span(frame).subspan(protocol::kFrameHeaderBytes);
    for (;;) {
        ring::IoResult got(0);
        if (terminal_) {
            got = co_await read_terminal(pipe.get(), payload);
        } else {
            got = co_await ring::Read(context_.ring, pipe.get(), payload);
        }
        if (!got && got.raw() == -EINTR) continue;
        if (!got || got.value() == 0) break;
        const auto header =
            protocol::encode_frame_header(type, static_cast<std::uint32_t>(got.value()));
        std::copy(header.begin(), header.end(), frame.begin());
        const bool sent =
            co_await writer_.send(std::span(frame).first(header.size() + got.value()));
        if (!sent) {
            client_vanished("the client stopped reading");
            break;
        }
    }
    pipe.reset();
}

ring::Task<ring::IoResult> Session::read_terminal(int fd, std::span<std::uint8_t> buffer) {
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n >= 0) co_return ring::IoResult(static_cast<int>(n));
        if (errno == EIO) co_return ring::IoResult(0);
        if (errno == EINTR) continue;
        if (errno != EAGAIN) co_return ring::IoResult(-errno);
        const ring::IoResult ready = co_await ring::Poll(context_.ring, fd, POLLIN);
        if (!ready && ready.raw() != -EINTR) co_return ready;
    }
}

ring::Task<bool> Session::wait_unless_cancelled(std::chrono::nanoseconds duration,
                                                ring::Timeout*& slot) {
    ring::Timeout timer(context_.ring, duration);
    slot = &timer;
    const ring::IoResult waited = co_await timer;
    slot = nullptr;
    co_return waited.raw() != -ECANCELED;
}

// The child has exited but something it started still holds stdout or stderr open: the report
// waits for them to reach end of file, at most --drain-timeout, then the pumps stop and the
// output written after that is not relayed.
ring::Task<void> Session::enforce_drain_deadline() {
    if (pumps_running_ == 0) co_return;
    const bool expired =
        co_await wait_unless_cancelled(context_.config.drain_timeout, drain_timer_);
    if (!expired || pumps_running_ == 0) co_return;
    spdlog::info(
        "session {}: stdout/stderr still open {} ms after pid {} exited (a process it started "
        "holds them); reporting the exit now",
        id_, milliseconds(context_.config.drain_timeout), child_->pid());
    if (stdout_read_) context_.ring.cancel_fd(stdout_read_.get());
    if (stderr_read_) context_.ring.cancel_fd(stderr_read_.get());
}

ring::Task<void> Session::wait_child() {
    auto result = co_await ring::wait_for_child(context_.ring, child_->pidfd());
    if (auto* error = std::get_if<std::error_code>(&result)) {
        spdlog::error("session {}: waiting for pid {} failed: {}", id_, child_->pid(),
                      error->message());
        status_ = ExitStatus::signaled(SIGKILL, false);
        co_return;  // ChildProcess's destructor kills and reaps it
    }
    const auto& info = std::get<siginfo_t>(result);
    child_->mark_reaped();
    if (run_timer_ != nullptr) context_.ring.cancel(*run_timer_);
    status_ = exit_status_from_waitid(info.si_code, info.si_status);
    status_.timed_out = timed_out_;
    co_await enforce_drain_deadline();
}

ring::Task<void> Session::refuse(std::string message) {
    std::vector<std::uint8_t> frame;
    protocol::encode_error(message, frame);
    co_await writer_.send(frame);
}

}  // namespace bro::server
