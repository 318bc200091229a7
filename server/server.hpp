#pragma once
// Accepts connections and runs one Session coroutine per connection, all on one ring. SIGTERM
// or SIGINT (read through a signalfd on the ring) stops accepting, aborts live sessions (their
// children are killed and reaped) and returns once the last session has finished.

#include <cstdint>
#include <unordered_set>

#include "core/env_policy.hpp"
#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"
#include "server/admission.hpp"
#include "server/cwd_resolution.hpp"
#include "server/directory_remover.hpp"
#include "server/listener.hpp"
#include "server/server_config.hpp"
#include "server/session.hpp"
#include "server/session_cgroup.hpp"
#include "server/spawner.hpp"

namespace bro::server {

// Blocks SIGTERM/SIGINT/SIGHUP so they wait for the server's signalfd. Call before the socket
// starts listening: a stop request that arrives between the two must still stop cleanly.
void block_stop_signals();

class Server {
  public:
    // Reads stop signals through a signalfd (blocking them if main() did not) and ignores
    // SIGPIPE (a vanished client must give EPIPE).
    Server(ring::Ring& ring, ServerConfig config, Listener listener);

    ring::Task<void> serve();

  private:
    ring::Task<void> accept_connections();
    ring::Task<void> wait_for_stop_signal();
    // Reads who connected and starts its session, or refuses it at once (allow-lists, session
    // limits): one Error frame, a log line, and the socket is closed.
    void admit(UniqueFd socket);
    // At start-up: raises the soft RLIMIT_NOFILE (up to the hard limit) so --max-sessions
    // sessions fit, keeps the original for the children, warns if even the hard limit is
    // too low, and gives admission the limit to count descriptors against. The usual soft
    // limit of 1024 holds only about 60 sessions.
    void make_room_for_descriptors();
    // accept() failed with EMFILE: lets go of the spare descriptor for a moment to take the
    // waiting connection and tell it the server is busy, so no caller waits unanswered.
    void refuse_for_want_of_descriptors();
    // Where session cgroups go, if anywhere; stale ones are removed.
    void set_up_session_cgroups();
    ring::Task<void> run_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer);

    ring::Ring& ring_;
    ServerConfig config_;
    Listener listener_;
    EnvPolicy env_policy_;
    Spawner spawner_;
    Admission admission_;
    DirectoryRemover remover_;
    CwdResolver cwd_resolver_;
    std::optional<SessionCgroups> cgroups_;
    std::unordered_set<Session*> live_sessions_;
    SessionContext context_;
    UniqueFd signal_fd_;
    UniqueFd spare_descriptor_;  // /dev/null, given up to answer when accept() hits EMFILE
    bool stopping_ = false;
    std::uint64_t next_session_id_ = 1;
};

}  // namespace bro::server
