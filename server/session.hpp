#pragma once
// One client connection, from its Request to its Exit frame, as one coroutine on the ring.
//
// The path of one call through both programs, file by file:
//   client/main.cpp          reads the settings (environment or wrapper file), picks the mode
//   client/request_builder   classifies argv (file arguments), encodes the Request (core/);
//                            fd_exchange or content_exchange connects and sends it
//   server/listener, server  accept; admission by uid/gid, session and descriptor counts;
//                            a Session each
//   server/session           receiving: the Request, under --request-timeout (this file)
//   server/file_upload       uploading: content mode's file arguments into the session dir,
//                            under --upload-timeout (an idle limit)
//   server/working_directory the child's directory, resolved off the loop (cwd_resolution)
//   server/spawn_plan        argv, environment, directory, identity, descriptors: pure rules
//   server/spawner           clone + exec, reporting the failing step (child_stdio: the pipes;
//                            session_cgroup: a cgroup per session where one is delegated)
//   server/program_run       running, draining: stdin, signals and output relayed; deadlines;
//                            what the program left in its process group is killed
//   server/session_report    reporting: the Exit frame (core/reply_encoding), under
//                            --report-timeout; the session directory goes first
//                            (directory_remover, on a thread of its own); the audit record
//                            (call_record)
//   client/content_exchange  output to the caller's stdout/stderr; main exits as the program did
//
// The phases are in session_phase.hpp; the error convention in session_errors.hpp.
// Teardown invariant: run() returns only after every operation it started has completed, so
// the fds, buffers and the child it owns can be released in any order afterwards.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/env_policy.hpp"
#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"
#include "server/admission.hpp"
#include "server/call_record.hpp"
#include "server/child_stdio.hpp"
#include "server/cwd_resolution.hpp"
#include "server/directory_remover.hpp"
#include "server/frame_reader.hpp"
#include "server/frame_writer.hpp"
#include "server/peer_credentials.hpp"
#include "server/server_config.hpp"
#include "server/session_cgroup.hpp"
#include "server/session_directory.hpp"
#include "server/session_phase.hpp"
#include "server/spawn_plan.hpp"
#include "server/spawner.hpp"
#include "server/working_directory.hpp"

namespace bro::server {

class Session;
class ProgramRun;

// What all sessions share; owned by the Server, which outlives them.
struct SessionContext {
    ring::Ring& ring;
    const ServerConfig& config;
    const EnvPolicy& env_policy;
    Spawner& spawner;
    std::unordered_set<Session*>& live_sessions;
    DirectoryRemover& remover;
    CwdResolver& cwd_resolver;
    const SessionCgroups* cgroups;  // nullptr: no session cgroups
};

class Session {
  public:
    // `socket` is nonblocking (SOCK_NONBLOCK), as data is spliced through it.
    // `peer`: the caller as the kernel recorded it at connect() (BRO_PEER_*, --as-peer).
    Session(SessionContext& context, UniqueFd socket, std::uint64_t id, PeerCredentials peer,
            AdmissionSlot slot);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    // `waited`: how long the connection already waited for its first bytes, deducted from
    // --request-timeout.
    ring::Task<void> run(std::chrono::nanoseconds waited = {});
    // Ends the session early (server shutdown): kills the child and shuts the socket down, so
    // run() finishes through its usual client-vanished path.
    void abort();

  private:
    // A decoded Request and, in fd mode, the descriptors that came with it.
    struct Received {
        protocol::Request request;
        std::vector<UniqueFd> fds;
    };

    ring::Task<void> serve(std::chrono::nanoseconds waited);
    ring::Task<std::optional<Received>> receive_request_in_time(std::chrono::nanoseconds waited);
    ring::Task<std::optional<Received>> receive_request(ring::StopToken stop);
    ring::Task<void> reject_mode(bool offer_retry);
    // Starts the call's audit record (when info lines are logged).
    void start_record(const protocol::Request& request);
    // --no-client-args: throws RequestRefused for a request with arguments.
    void check_arguments_allowed(const protocol::Request& request) const;

    ring::Task<void> run_with_content(const protocol::Request& request);
    ring::Task<void> run_with_fds(const protocol::Request& request, std::vector<UniqueFd> fds);
    // --upload-timeout: an upload during which no byte arrives for that long is refused.
    ring::Task<std::optional<std::vector<std::string>>> upload_files(
        const protocol::Request& request);
    // Where the child starts; nullopt when the call was refused for it (reported).
    ring::Task<std::optional<WorkingDirectory>> choose_directory(const protocol::Request& request,
                                                                 int received_cwd);
    SpawnRequest plan(const SpawnInputs& inputs) const;
    // Starts the session directory, handed to the child's identity when it has its own.
    void create_directory();

    // Spawns the child, then runs it to the end and reports how it ended. `child_side` are
    // the descriptors handed to the child, closed as soon as it exists, so the pipes can reach
    // end of file and no client fd stays in the server.
    ring::Task<void> run_program(SpawnRequest& spawn, std::vector<UniqueFd> child_side,
                                 ChildStdio& stdio, const protocol::Request& request);
    // Before the spawn: a client that closed its connection (interrupted before the program
    // started) must not have it run. One that only stopped sending still does.
    bool client_left() const;
    ring::Task<void> report_exit(ProgramRun& program, ChildStdio& stdio,
                                 ring::StopSource& call_over, SessionCgroup* cgroup);
    ring::Task<void> report_not_started(const ExitStatus& status, const std::string& detail);
    ring::Task<void> refuse(std::string message);
    // Sends the frame that ends the exchange, within --report-timeout.
    ring::Task<void> report(std::span<const std::uint8_t> frame);

    SessionContext& context_;
    UniqueFd socket_;
    std::uint64_t id_;
    PeerCredentials peer_;
    AdmissionSlot slot_;  // this session's place in --max-sessions(-per-uid)
    FrameReader reader_;
    FrameWriter writer_;
    SessionPhase phase_;
    std::optional<SessionDirectory> directory_;
    std::optional<ChildProcess> child_;  // from the spawn on, so abort() can reach it
    // One audit line per call (call_record.hpp), logged when run() ends.
    std::optional<CallRecord> record_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace bro::server
