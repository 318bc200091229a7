#include "server/server.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>

#include "core/reply_encoding.hpp"
#include "ring/acceptor.hpp"
#include "ring/operations.hpp"
#include "ring/when_all.hpp"

namespace bro::server {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

UniqueFd open_signal_fd() {
    block_stop_signals();
    const sigset_t set = stop_signals();
    signal(SIGPIPE, SIG_IGN);
    UniqueFd fd(signalfd(-1, &set, SFD_CLOEXEC));
    if (!fd) throw std::system_error(errno, std::system_category(), "signalfd");
    return fd;
}

// A content-mode session holds up to this many descriptors (socket, stdin/stdout/stderr pipe
// ends, a splice pipe, the stdin probe, the pidfd), plus slack for the server itself.
constexpr rlim_t kDescriptorsPerSession = 8;
constexpr rlim_t kServerDescriptors = 64;

}  // namespace

void Server::make_room_for_descriptors() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const rlim_t needed =
        kDescriptorsPerSession * config_.admission.max_sessions + kServerDescriptors;
    if (limit.rlim_cur >= needed) return;
    const rlimit original = limit;
    limit.rlim_cur = std::min(needed, limit.rlim_max);
    if (limit.rlim_cur > original.rlim_cur && setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        spdlog::info("raised the descriptor limit from {} to {} for --max-sessions {}",
                     original.rlim_cur, limit.rlim_cur, config_.admission.max_sessions);
        spawner_.give_children_descriptor_limit(original);
    } else {
        limit = original;
    }
    if (limit.rlim_cur >= needed) return;
    spdlog::warn(
        "--max-sessions {} may need {} descriptors, but RLIMIT_NOFILE is {} (hard limit {}): "
        "sessions beyond about {} will fail; raise the limit (LimitNOFILE= in a systemd unit, "
        "ulimit -Hn) or lower --max-sessions",
        config_.admission.max_sessions, needed, limit.rlim_cur, limit.rlim_max,
        (limit.rlim_cur > kServerDescriptors ? limit.rlim_cur - kServerDescriptors : 0) /
            kDescriptorsPerSession);
}

void block_stop_signals() {
    const sigset_t set = stop_signals();
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        throw std::system_error(errno, std::system_category(), "sigprocmask");
    }
}

Server::Server(ring::Ring& ring, ServerConfig config, Listener listener)
    : ring_(ring),
      config_(std::move(config)),
      listener_(std::move(listener)),
      env_policy_(config_.allowed_env, config_.inherit_env, config_.allow_dangerous_env),
      admission_(config_.admission),
      context_{ring_, config_, env_policy_, spawner_, live_sessions_},
      signal_fd_(open_signal_fd()) {}

ring::Task<void> Server::serve() {
    spdlog::info("serving {} on {} (io_uring: {})", config_.executable, listener_.description(),
                 ring_.features().describe());
    make_room_for_descriptors();
    std::vector<ring::Task<void>> parts;
    parts.push_back(accept_connections());
    parts.push_back(wait_for_stop_signal());
    co_await ring::when_all(std::move(parts));
    // Sessions are detached tasks; the caller runs the ring until they are gone.
}

ring::Task<void> Server::accept_connections() {
    ring::Acceptor acceptor(ring_, listener_.fd(), /*nonblocking=*/true);
    while (!stopping_) {
        // Poll for the stop flag between connections: the signal task cannot reach into this
        // frame, so it shuts the listener down, which fails the pending accept.
        const ring::IoResult accepted = co_await acceptor.next();
        if (!accepted) {
            if (stopping_ || accepted.cancelled()) break;
            spdlog::warn("accept failed: {}; continuing", accepted.error().message());
            if (accepted.raw() == -EMFILE || accepted.raw() == -ENFILE) {
                co_await ring::Timeout(ring_, std::chrono::milliseconds(100));
            }
            continue;
        }
        admit(UniqueFd(accepted.value()));
    }
    acceptor.stop();
    while (acceptor.active()) {
        const ring::IoResult drained = co_await acceptor.next();
        (void)drained;
    }
}

ring::Task<void> Server::wait_for_stop_signal() {
    signalfd_siginfo info{};
    const auto buffer = std::span(reinterpret_cast<std::uint8_t*>(&info), sizeof info);
    for (;;) {
        const ring::IoResult got = co_await ring::Read(ring_, signal_fd_.get(), buffer);
        if (got && got.value() == sizeof info) break;
        if (!got && got.raw() != -EINTR) {
            throw std::system_error(got.error(), "read signalfd");
        }
    }
    spdlog::info("received signal {}, stopping: {} session(s) to abort", info.ssi_signo,
                 live_sessions_.size());
    stopping_ = true;
    stop_waiting_.request_stop();  // connections that sent nothing yet just close
    ring_.cancel_fd(listener_.fd());
    for (Session* session : live_sessions_) session->abort();
}

void Server::admit(UniqueFd socket) {
    PeerCredentials peer;
    try {
        peer =
            read_peer_credentials(socket.get(), admission_.needs_groups() || config_.run_as_peer);
    } catch (const std::system_error& e) {
        spdlog::warn("connection closed: cannot tell who connected: {}", e.what());
        return;
    }
    const auto refusal = admission_.admit(peer);
    if (!refusal) {
        ring_.spawn(run_session(std::move(socket), next_session_id_++, std::move(peer)));
        return;
    }
    spdlog::warn("refused the connection of {}: {}", describe(peer), *refusal);
    // Sent before anything is read: the client reads it whether or not it managed to send its
    // request first. A fresh socket's buffer always holds one small frame, so this cannot block.
    std::vector<std::uint8_t> frame;
    protocol::encode_error(*refusal, frame);
    if (::send(socket.get(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        spdlog::debug("could not tell pid {} it was refused: {}", peer.pid, std::strerror(errno));
    }
}

// Until its first bytes arrive, a connection holds this frame (socket, peer, slot, one POLL)
// and nothing else: the Session, its buffers and its coroutine frames exist only once there
// is something to read. The POLL carries --request-timeout itself (a timeout linked to it),
// so no timer task waits beside it. Whatever time the wait took is deducted from the rest of
// the request's time.
ring::Task<void> Server::run_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer) {
    AdmissionSlot slot(admission_, peer.uid);
    if (stopping_) co_return;
    const auto accepted = std::chrono::steady_clock::now();
    const ring::IoResult first_bytes = co_await ring::Poll(ring_, socket.get(), POLLIN)
                                           .stop_on(stop_waiting_.token())
                                           .time_limit(config_.request_timeout);
    if (!first_bytes) {
        if (first_bytes.timed_out()) {
            spdlog::info(
                "session {}: no complete request within {} ms; closing", id,
                std::chrono::duration_cast<std::chrono::milliseconds>(config_.request_timeout)
                    .count());
        }
        co_return;
    }
    co_await serve_session(std::move(socket), id, std::move(peer), std::move(slot),
                           std::chrono::steady_clock::now() - accepted);
}

ring::Task<void> Server::serve_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer,
                                       AdmissionSlot slot, std::chrono::nanoseconds waited) {
    Session session(context_, std::move(socket), id, std::move(peer), std::move(slot));
    co_await session.run(waited);
}

}  // namespace bro::server
