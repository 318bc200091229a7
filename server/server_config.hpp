#pragma once
// Everything bro-server is told at start, parsed once in main() and passed down as a value.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "server/admission.hpp"
#include "server/child_identity.hpp"
#include "server/listener.hpp"
#include "server/session_cgroup.hpp"

namespace bro::server {

// Where the child runs (--cwd).
enum class CwdPolicy {
    kCaller,        // the caller's directory; where it does not exist here, the session's own
    kCallerStrict,  // the caller's directory, or the call is refused
    kFixed,         // always ServerConfig::fixed_cwd
};

struct ServerConfig {
    std::string executable;   // absolute path of the one program this server runs
    std::string socket_path;  // empty with systemd socket activation; "@name": abstract
    SocketSettings socket;    // --socket-mode, --socket-owner
    bool systemd_socket = false;
    // Which transfer modes requests may use (--transfer-modes / --fd-passing).
    bool accept_content = true;
    bool accept_fd_passing = false;
    std::vector<std::string> allowed_env;
    std::vector<std::string> inherit_env;
    // Dangerous names (core/dangerous_env.hpp) that may pass when --allowed-env names them.
    std::vector<std::string> allow_dangerous_env;
    std::string tmpdir = "/tmp";
    CwdPolicy cwd_policy = CwdPolicy::kCaller;
    std::string fixed_cwd;  // with CwdPolicy::kFixed
    std::string argv0;      // the child's argv[0]; empty: the executable's path
    // --prepend-arg: fixed arguments between argv[0] and the client's arguments.
    std::vector<std::string> prepend_args;
    bool no_client_args = false;  // --no-client-args: a request with arguments is refused
    AdmissionRules admission;     // --allow-uid, --allow-gid, --max-sessions(-per-uid)
    // --user/--group/--groups (nullopt: the server's own identity), or --as-peer.
    std::optional<ChildIdentity> run_as;
    bool run_as_peer = false;
    std::string log_level = "info";
    // After the client vanished: how long its program has between SIGTERM and SIGKILL.
    std::chrono::nanoseconds kill_grace = std::chrono::seconds(5);
    // --timeout: the longest a run may take (0: unbounded).
    std::chrono::nanoseconds run_timeout{0};
    // --request-timeout: how long a connection has to send its whole Request (and how long
    // its working directory may take to resolve).
    std::chrono::nanoseconds request_timeout = std::chrono::seconds(10);
    // --upload-timeout: the longest an upload may go without a byte arriving; by default
    // --request-timeout's value.
    std::chrono::nanoseconds upload_timeout = std::chrono::seconds(10);
    // --drain-timeout: how long the report waits for stdout/stderr after the child exited.
    std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
    // --report-timeout: how long the client has to take the Exit (or Error) frame.
    std::chrono::nanoseconds report_timeout = std::chrono::seconds(10);
    // --keep-background: what the program leaves running outlives the call (the old way).
    bool keep_background = false;
    // --session-cgroups: a cgroup per session where the server has a delegated subtree.
    CgroupChoice session_cgroups = CgroupChoice::kAuto;
    ProtocolLimits limits;  // --max-* (server/limit_flags.hpp)
};

// Either a config to run with, or an exit code after --help/--version/an error was printed.
struct ParsedCommandLine {
    std::optional<ServerConfig> config;
    int exit_code = 0;
};

// Flags win over their BRO_SERVER_* environment equivalents.
ParsedCommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace bro::server
