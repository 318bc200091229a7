#include "server/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
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

constexpr rlim_t kDescriptorsPerSession = DescriptorBudget::kPerSession;
constexpr rlim_t kServerDescriptors = DescriptorBudget::kReserved;

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

void Server::make_room_for_descriptors() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const rlim_t needed =
        kDescriptorsPerSession * config_.admission.max_sessions + kServerDescriptors;
    admission_.descriptors().set_limit(limit.rlim_cur);
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
    admission_.descriptors().set_limit(limit.rlim_cur);
    if (limit.rlim_cur >= needed) return;
    spdlog::warn(
        "--max-sessions {} may need {} descriptors, but RLIMIT_NOFILE is {} (hard limit {}): "
        "callers beyond about {} sessions at once are told the server is busy; raise the limit "
        "(LimitNOFILE= in a systemd unit, ulimit -Hn) or lower --max-sessions",
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
      cwd_resolver_(ring_, config_.request_timeout),
      context_{ring_,          config_,  env_policy_,   spawner_,
               live_sessions_, remover_, cwd_resolver_, nullptr},
      signal_fd_(open_signal_fd()),
      spare_descriptor_(open_spare_descriptor()) {
    set_up_session_cgroups();
}

void Server::set_up_session_cgroups() {
    if (config_.keep_background) {
        spdlog::debug("no session cgroups: --keep-background lets processes outlive calls");
        return;
    }
    std::string why_not;
    cgroups_ = SessionCgroups::find(config_.session_cgroups, why_not);
    if (!cgroups_) {
        spdlog::debug("no session cgroups: {}", why_not);
        return;
    }
    for (const auto& error : cgroups_->remove_stale()) {
        spdlog::warn("could not remove a stale session cgroup: {}", error);
    }
    context_.cgroups = &*cgroups_;
    spdlog::info("session cgroups under {}: a call's processes end with it, setsid ones too",
                 cgroups_->path());
}

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
    ring::Acceptor acceptor(ring_, listener_.fd());
    while (!stopping_) {
        // Poll for the stop flag between connections: the signal task cannot reach into this
        // frame, so it shuts the listener down, which fails the pending accept.
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
        ring_.spawn(run_session(std::move(socket), next_session_id_++, std::move(peer)));
        return;
    }
    spdlog::warn("refused the connection of {}: {}", describe(peer), *refusal);
    send_refusal(socket.get(), *refusal);
}

ring::Task<void> Server::run_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer) {
    AdmissionSlot slot(admission_, peer.uid);
    Session session(context_, std::move(socket), id, std::move(peer), std::move(slot));
    if (stopping_) co_return;
    co_await session.run();
}

}  // namespace bro::server
