#pragma once
// Real bro-server processes on temporary sockets, and bro-client runs against them.

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "process_runner.hpp"

namespace bro::test {

// A private temporary directory, removed with its contents.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes `content` to path()/name with `mode` and returns the full path.
    std::string write_file(const std::string& name, const std::string& content,
                           unsigned mode = 0644) const;
    // A /bin/sh script, executable.
    std::string write_script(const std::string& name, const std::string& body) const;

  private:
    std::string path_;
};

// Polls `condition` every 10 ms until it holds or `limit` has passed; returns whether it held.
// For waiting on another process, where there is nothing to block on.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit);

class BroServer {
  public:
    // Starts bro-server for `executable` with extra flags and extra environment, under
    // `prefix` when given (a command that execs the rest, such as prlimit or setpriv, so pid()
    // is still the server's); waits until the socket accepts connections (bounded).
    BroServer(const TempDir& dir, const std::string& executable,
              std::vector<std::string> flags = {}, std::vector<std::string> environment = {},
              std::vector<std::string> prefix = {});
    ~BroServer();  // SIGTERM, bounded wait
    BroServer(const BroServer&) = delete;
    BroServer& operator=(const BroServer&) = delete;

    const std::string& socket_path() const { return socket_path_; }
    std::string log() const;
    pid_t pid() const { return pid_; }
    // Sends SIGTERM and returns the server's wait status (bounded).
    int stop();

  private:
    std::string socket_path_;
    std::string log_path_;
    pid_t pid_ = -1;
};

struct ClientRun {
    std::vector<std::string> args = {};
    std::vector<std::string> environment = {};  // added to BRO_SOCKET_PATH and PATH
    std::optional<std::string> stdin_data = {};
    std::optional<std::string> stdin_file = {};
    std::chrono::seconds timeout{60};      // then the client is killed and the run reported
    std::vector<std::string> prefix = {};  // runs the client under it (setpriv ... as nobody)
};

ProcessResult run_client(const std::string& socket_path, const ClientRun& run);
ProcessResult run_client(const BroServer& server, const ClientRun& run);

// Runs bro-server in the foreground with `args` (environment: PATH plus `environment`), under
// `prefix` when given (setpriv ... to drop privileges), for at most 10 s: start-up checks,
// --help, --version.
ProcessResult run_server(const std::vector<std::string>& args,
                         const std::vector<std::string>& environment = {},
                         const std::vector<std::string>& prefix = {});

// The programs under test: the build's, or BRO_TEST_SERVER_BINARY and BRO_TEST_CLIENT_BINARY
// when set (to show that a test fails against an older build).
std::string server_binary();
std::string client_binary();
bool connect_succeeds(const std::string& socket_path);
std::string read_file(const std::string& path);
std::string random_bytes(std::size_t count, unsigned seed);
// `env` output without the BRO_PEER_* lines the server adds to every child's environment.
std::string without_peer_variables(const std::string& env_output);
// A process's state letter from /proc/PID/stat: 'S' sleeping, 'T' stopped, ...; '?' when gone.
char process_state(pid_t pid);
// Number of open fds of a process (from /proc/PID/fd).
int open_fd_count(pid_t pid);
// open_fd_count once it has held still for 100 ms (at most 5 s): a server closes a finished
// session's descriptors just after the client saw its exit status.
int settled_fd_count(pid_t pid);
// Waits (at most 10 s) for the process's open descriptors to be `expected` again. A check that
// nothing leaked: unlike settled_fd_count, a server starved for a moment cannot fool it. The
// failure says how many are open.
::testing::AssertionResult fd_count_returns_to(pid_t pid, int expected);
// Children of `pid` that exist now (running or not yet reaped), over all its threads.
int child_count(pid_t pid);
// Whether `pid` is a process that still runs (not gone, not a zombie).
bool process_running(pid_t pid);
// Stops a process with SIGSTOP (waiting until it is stopped) and lets it go on at the end of
// the scope, whatever happens in between.
class StoppedProcess {
  public:
    explicit StoppedProcess(pid_t pid);
    ~StoppedProcess();
    StoppedProcess(const StoppedProcess&) = delete;
    StoppedProcess& operator=(const StoppedProcess&) = delete;
    bool stopped() const { return stopped_; }

  private:
    pid_t pid_;
    bool stopped_ = false;
};

// Waits (at most 10 s) until the server's log holds `count` lines containing `text`.
bool wait_for_log(const BroServer& server, const std::string& text, int count = 1);

}  // namespace bro::test
