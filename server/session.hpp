#pragma once
// One client connection, from its Request to its Exit frame, as one coroutine on the ring.
//
// Content mode: receive the request, write file arguments into a private directory, spawn the
// child, then run concurrently: client frames -> child stdin, child stdout -> client, child
// stderr -> client, and the wait for the child. Once the child has exited and both output
// pipes reached end of file, the Exit frame is sent and the still-pending client read is
// cancelled. If the client vanishes first, the child's process group is killed.
//
// Teardown invariant: run() returns only after every operation it started has completed, so
// the fds, buffers and the child it owns can be released in any order afterwards.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/env_policy.hpp"
#include "core/exit_status.hpp"
#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/operations.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"
#include "server/admission.hpp"
#include "server/spawner.hpp"
#include "server/frame_reader.hpp"
#include "server/frame_writer.hpp"
#include "server/peer_credentials.hpp"
#include "server/server_config.hpp"
#include "server/session_directory.hpp"

namespace bro::server {

class Session;

// What all sessions share; owned by the Server, which outlives them.
struct SessionContext {
    ring::Ring& ring;
    const ServerConfig& config;
    const EnvPolicy& env_policy;
    Spawner& spawner;
    std::unordered_set<Session*>& live_sessions;
};

class Session {
  public:
    // `peer`: the caller as the kernel recorded it at connect() (BRO_PEER_*, --as-peer).
    Session(SessionContext& context, UniqueFd socket, std::uint64_t id, PeerCredentials peer,
            AdmissionSlot slot);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    ring::Task<void> run();
    // Ends the session early (server shutdown): kills the child and shuts the socket down, so
    // run() finishes through its usual client-vanished path.
    void abort();

  private:
    ring::Task<std::optional<protocol::Request>> receive_request();
    ring::Task<void> receive_request_in_time(std::optional<protocol::Request>& request);
    ring::Task<void> enforce_request_deadline();
    ring::Task<void> enforce_run_timeout();
    ring::Task<void> enforce_drain_deadline();
    // Waits `duration` on a timer others can cancel through `slot` (set while it waits).
    // True when the time ran out, false when it was cancelled.
    ring::Task<bool> wait_unless_cancelled(std::chrono::nanoseconds duration, ring::Timeout*& slot);
    bool child_reaped() const { return child_ && child_->reaped(); }
    ring::Task<bool> receive_files(const protocol::Request& request);
    ring::Task<bool> copy_payload_to_file(int file_fd, std::uint32_t length);
    void check_upload_size(std::size_t uploaded, std::size_t file_index) const;
    ring::Task<void> execute(const protocol::Request& request);
    // The child's stdin, stdout and stderr in content mode: pipes (stdin /dev/null unless
    // streamed), or one pseudo-terminal for a terminal session. Sets the server's ends and
    // spawn's fds 0-2; returns the child's ends, to be closed once it exists.
    std::vector<UniqueFd> attach_pipes(const protocol::Request& request, SpawnRequest& spawn);
    std::vector<UniqueFd> attach_terminal(const protocol::Request& request, SpawnRequest& spawn);
    ring::Task<void> execute_with_fds(const protocol::Request& request);
    // `child_ends` are the descriptors handed to the child; they are closed as soon as it
    // exists, so the pipes can reach end of file and no client fd stays in the server.
    ring::Task<void> start_run(SpawnRequest spawn, std::vector<UniqueFd> child_ends,
                               std::size_t argument_count);
    ring::Task<void> reject_mode();
    ring::Task<void> pump_client_frames();
    ring::Task<bool> forward_stdin(std::uint32_t length);
    ring::Task<void> finish_run();
    void deliver_signal(std::uint8_t signal);
    void resize_terminal(std::span<const std::uint8_t> payload);
    // A descriptor of the terminal's controller while the server still holds one, else -1.
    int terminal_controller() const;
    ring::Task<void> enforce_kill_grace();
    // What the Exit frame reports as consumed stdin (kStdinConsumedUnknown unless asked).
    std::uint64_t stdin_consumed() const;
    ring::Task<void> pump_output(UniqueFd& pipe, protocol::FrameType type);
    // One read of the terminal's output. Its controller is nonblocking (so one open file
    // serves reads and writes, and no io-wq worker blocks on it): it is read when poll says
    // so, and its EIO, once no process holds the terminal side open, is end of file.
    ring::Task<ring::IoResult> read_terminal(int fd, std::span<std::uint8_t> buffer);
    ring::Task<void> wait_child();
    ring::Task<void> refuse(std::string message);
    ring::Task<bool> write_all(int fd, std::span<const std::uint8_t> bytes);
    // write_all for a nonblocking stdin (one whose consumption is reported, or the terminal):
    // write(2), polling through the ring when it is full, counting into stdin_written_ byte
    // for byte.
    ring::Task<bool> write_stdin_counted(std::span<const std::uint8_t> bytes);
    void client_vanished(const char* why);
    std::vector<std::string> child_argv(const protocol::Request& request) const;
    // Applies --cwd: where the child starts, and where it may fall back to (`fallback`, the
    // session's own place) when the caller's directory does not exist on this side.
    void choose_directory(const protocol::Request& request, int cwd_fd, std::string fallback,
                          SpawnRequest& spawn) const;
    // The allowed variables plus BRO_PEER_UID/GID/PID, which only the server sets.
    std::vector<std::string> child_environment(const protocol::Request& request) const;
    // --user/--group/--groups, or the caller's own with --as-peer; nullopt: the server's.
    std::optional<ChildIdentity> child_identity() const;
    // Starts the session directory, handed to the child's identity when it has its own.
    void create_directory();
    // --no-client-args: throws RequestRefused for a request with arguments.
    void check_arguments_allowed(const protocol::Request& request) const;

    SessionContext& context_;
    UniqueFd socket_;
    std::uint64_t id_;
    PeerCredentials peer_;
    AdmissionSlot slot_;  // this session's place in --max-sessions(-per-uid)
    FrameReader reader_;
    FrameWriter writer_;
    std::optional<SessionDirectory> directory_;
    std::vector<std::string> file_paths_;  // what each file argument becomes in argv
    std::vector<UniqueFd> received_fds_;   // fd mode: stdin, stdout, stderr, files, forwarded
    UniqueFd splice_pipe_read_, splice_pipe_write_;
    // A terminal session has no stderr pipe: stdout_read_ and stdin_write_ are two
    // descriptors of the pseudo-terminal's controller, so closing both hangs the terminal up.
    UniqueFd stdin_write_, stdout_read_, stderr_read_;
    bool terminal_ = false;
    // With a stdin report asked for: a read end of the child's stdin pipe, kept to count what
    // the child left unread (FIONREAD), and the bytes written into the pipe.
    UniqueFd stdin_probe_;
    std::uint64_t stdin_written_ = 0;
    std::optional<ChildProcess> child_;
    ExitStatus status_;
    bool run_finished_ = false;
    ring::Timeout* grace_timer_ = nullptr;    // while enforce_kill_grace() waits
    ring::Timeout* request_timer_ = nullptr;  // while enforce_request_deadline() waits
    ring::Timeout* run_timer_ = nullptr;      // while enforce_run_timeout() waits
    ring::Timeout* drain_timer_ = nullptr;    // while enforce_drain_deadline() waits
    int pumps_running_ = 0;                   // stdout/stderr pumps not yet at end of file
    bool request_done_ = false;
    bool timed_out_ = false;
    bool client_gone_ = false;
};

}  // namespace bro::server
