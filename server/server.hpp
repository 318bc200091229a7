#pragma once
// Serves one tool: accepts connections on its listener and runs one Session coroutine per
// connection. Several Servers (one per tool of a --config file) share one ring and one
// process, and what the process has once (the session counter, the descriptor budget) main
// owns and lends to each. stop() (main calls it on SIGTERM or SIGINT) stops accepting and
// aborts live sessions (their children are killed and reaped, their session cgroups killed).

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/env_policy.hpp"
#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
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

class Server {
  public:
    // `session_ids`: the process's session counter, so ids (and the session directories and
    // cgroups named after them) are unique across tools. `descriptors`: the process's budget,
    // which this server's admission draws on with every other tool's. Throws
    // std::runtime_error for --session-cgroups on without a delegated cgroup.
    Server(ring::Ring& ring, ServerConfig config, Listener listener, std::uint64_t& session_ids,
           DescriptorBudget& descriptors);

    // Accepts until stop(); the caller then runs the ring until the sessions are gone.
    ring::Task<void> serve();
    void stop();
    // The RLIMIT_NOFILE the children get, when the process raised its own.
    void give_children_descriptor_limit(const rlimit& limit) {
        spawner_.give_children_descriptor_limit(limit);
    }
    const ServerConfig& config() const { return config_; }

  private:
    // Reads who connected and starts its session, or refuses it at once (allow-lists, session
    // limits): one Error frame, a log line, and the socket is closed.
    void admit(UniqueFd socket);
    // accept() failed with EMFILE: lets go of the spare descriptor for a moment to take the
    // waiting connection and tell it the server is busy, so no caller waits unanswered.
    void refuse_for_want_of_descriptors();
    // Where session cgroups go, if anywhere; stale ones are removed.
    void set_up_session_cgroups();
    ring::Task<void> run_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer);
    ring::Task<void> serve_session(UniqueFd socket, std::uint64_t id, PeerCredentials peer,
                                   AdmissionSlot slot, std::chrono::nanoseconds waited);

    ring::Ring& ring_;
    ServerConfig config_;
    Listener listener_;
    EnvPolicy env_policy_;
    Spawner spawner_;
    // The execution profile's sandbox: its holder is built in the constructor (throws
    // profile::SandboxError naming the operation that failed).
    profile::Sandbox sandbox_;
    Admission admission_;
    DirectoryRemover remover_;
    CwdResolver cwd_resolver_;
    std::optional<SessionCgroups> cgroups_;
    std::unordered_set<Session*> live_sessions_;
    SessionContext context_;
    std::uint64_t& session_ids_;
    UniqueFd spare_descriptor_;  // /dev/null, given up to answer when accept() hits EMFILE
    bool stopping_ = false;
    // Stops the wait for the first bytes of connections that have sent nothing yet.
    ring::StopSource stop_waiting_;
};

}  // namespace bro::server
