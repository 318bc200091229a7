#include "server/server.hpp"
#include "server/log_durations.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>

#include "core/reply_encoding.hpp"
#include "ring/acceptor.hpp"
#include "ring/operations.hpp"
#include "server/profile/namespace_names.hpp"

namespace bro::server {
namespace {

UniqueFd open_spare_descriptor() {
    return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

// Sent before anything is read: the client reads it whether or not it managed to send its
// request first. A fresh socket's buffer always holds one small frame, so this cannot block.
void send_refusal(int socket, const std::string& reason) {
    std::vector<std::uint8_t> frame;
    protocol::encode_error(reason, frame);
    if (::send(socket, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        spdlog::debug("could not tell a refused caller why: {}", std::strerror(errno));
    }
}

}  // namespace

Server::Server(ring::Ring& ring, ServerConfig config, Listener listener, std::uint64_t& session_ids,
               DescriptorBudget& descriptors)
    : ring_(ring),
      config_(std::move(config)),
      listener_(std::move(listener)),
      env_policy_(config_.allowed_env, config_.inherit_env, config_.allow_dangerous_env),
      sandbox_(config_.profile),
      admission_(config_.admission, descriptors),
      cwd_resolver_(ring_, config_.request_timeout),
      context_{ring_,          config_,  env_policy_,   spawner_,
               live_sessions_, remover_, cwd_resolver_, nullptr},
      session_ids_(session_ids),
      spare_descriptor_(open_spare_descriptor()) {
    descriptors.add_server();
    set_up_session_cgroups();
    if (config_.profile.empty()) return;
    spawner_.use_sandbox(sandbox_);
    if (const pid_t holder = sandbox_.prepared_holder_pid()) {
        spdlog::info("sandbox prepared: its holder is pid {} ({} namespaces)", holder,
                     profile::namespace_list(config_.profile.namespaces));
    }
}

void Server::set_up_session_cgroups() {
    const std::string tool = config_.tool.empty() ? "" : config_.tool + ": ";
    if (config_.keep_background) {
        spdlog::debug("{}no session cgroups: --keep-background lets processes outlive calls", tool);
        return;
    }
    std::string why_not;
    cgroups_ = SessionCgroups::find(config_.session_cgroups, why_not);
    if (!cgroups_) {
        spdlog::debug("{}no session cgroups: {}", tool, why_not);
        return;
    }
    // Names carry the pid: another tool of this process finds none of its own cgroups stale.
    for (const auto& error : cgroups_->remove_stale()) {
        spdlog::warn("could not remove a stale session cgroup: {}", error);
    }
    context_.cgroups = &*cgroups_;
    spdlog::info("{}session cgroups under {}: a call's processes end with it, setsid ones too",
                 tool, cgroups_->path());
}

ring::Task<void> Server::serve() {
    spdlog::info("serving {}{}{} on {} (io_uring: {})", config_.tool,
                 config_.tool.empty() ? "" : ": ", config_.executable, listener_.description(),
                 ring_.features().describe());
    if (!config_.accept_fd_passing) {
        if (listener_.refuse_descriptors()) {
            spdlog::debug("content mode only: the kernel refuses descriptors sent to {}",
                          listener_.description());
        } else {
            spdlog::debug(
                "SO_PASSRIGHTS: {} (Linux 6.16 refuses descriptors in the kernel); "
                "descriptors a client sends are closed unread instead",
                std::strerror(errno));
        }
    }
    ring::Acceptor acceptor(ring_, listener_.fd(), /*nonblocking=*/true);
    while (!stopping_) {
        // Poll for the stop flag between connections: stop() cannot reach into this frame, so
        // it cancels the pending accept instead.
        const ring::IoResult accepted = co_await acceptor.next();
        if (!accepted) {
            if (stopping_ || accepted.cancelled()) break;
            if (accepted.raw() == -EMFILE || accepted.raw() == -ENFILE) {
                refuse_for_want_of_descriptors();
                continue;
            }
            spdlog::warn("accept failed: {}; continuing", accepted.error().message());
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

void Server::stop() {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("{}{}stopping: {} session(s) to abort", config_.tool,
                 config_.tool.empty() ? "" : ": ", live_sessions_.size());
    stop_waiting_.request_stop();  // connections that sent nothing yet just close
    ring_.cancel_fd(listener_.fd());
    for (Session* session : live_sessions_) session->abort();
}

void Server::refuse_for_want_of_descriptors() {
    spare_descriptor_.reset();
    // A connection is waiting (accept said so, and one the client closed stays queued), so
    // accept4() returns at once; poll() makes sure of it.
    pollfd waiting{listener_.fd(), POLLIN, 0};
    if (::poll(&waiting, 1, 0) == 1) {
        UniqueFd socket(::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC));
        if (socket) {
            const std::string reason =
                "the server is busy: it has no descriptor left to serve this call "
                "(RLIMIT_NOFILE " +
                std::to_string(admission_.descriptors().limit()) +
                "); try again later, or raise its limit (LimitNOFILE= in a systemd unit)";
            spdlog::warn("refused a connection: out of descriptors (accept: EMFILE)");
            send_refusal(socket.get(), reason);
        }
    }
    spare_descriptor_ = open_spare_descriptor();
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
        ring_.spawn(run_session(std::move(socket), session_ids_++, std::move(peer)));
        return;
    }
    spdlog::warn("refused the connection of {}: {}", describe(peer), *refusal);
    send_refusal(socket.get(), *refusal);
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
                "session {}: receiving: no complete request within {} ms (--request-timeout); "
                "closing",
                id, whole_milliseconds(config_.request_timeout));
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
