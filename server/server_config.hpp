#pragma once
// Everything bro-server is told at start, parsed once in main() and passed down as a value.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "server/admission.hpp"
#include "server/child_identity.hpp"
#include "server/config_error.hpp"
#include "server/listener.hpp"
#include "server/profile/execution_profile.hpp"
#include "server/session_cgroup.hpp"

namespace bro::server {

// Where the child runs (--cwd).
enum class CwdPolicy {
    kCaller,        // the caller's directory; where it does not exist here, the session's own
    kCallerStrict,  // the caller's directory, or the call is refused
    kFixed,         // always ServerConfig::fixed_cwd
};

struct ServerConfig {
    std::string tool;         // its name in the config file; empty for a command-line tool (logs)
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
    ProtocolLimits limits;       // --max-* (server/limit_flags.hpp)
    bool log_arguments = false;  // --log-arguments: the audit record shows the arguments
    // --unshare-*, --bind, --cap-drop, ...: what every child is run in (server/profile/).
    profile::ExecutionProfile profile;
};

// What bro-server does this time.
enum class ServerAction {
    kServe,            // serve every configured tool
    kCheck,            // --check: validate, print the effective settings, try the profile
    kRun,              // --run -- PROGRAM ARGS: one command under a tool's profile, here
    kPrintWrapper,     // --print-wrapper TOOL
    kInstallWrappers,  // --install-wrappers DIR
};

// The settings of the process as a whole, as opposed to a tool's.
struct ProcessSettings {
    std::string log_level = "info";  // --log-level, or log-level in the file's [server] table
    std::string config_file;         // --config: serve the tools this file describes
    std::string only_tool;           // --tool NAME: only this one of them
    ServerAction action = ServerAction::kServe;
    std::string wrapper_tool;              // --print-wrapper TOOL
    std::string wrappers_directory;        // --install-wrappers DIR
    std::vector<std::string> run_command;  // --run -- PROGRAM ARGS
};

// What the wrapper file of a tool says (bro-server --print-wrapper): the client's settings
// that go with the server's. From the tool's [tool.NAME.wrapper] table.
struct WrapperSettings {
    std::string client = "/usr/bin/bro-client";  // the wrapper file's interpreter
    std::string socket_path;                     // BRO_SOCKET_PATH
    std::vector<std::string> file_flags;         // BRO_FILE_FLAGS
    bool file_args = false;                      // BRO_FILE_ARGS=1
    std::vector<std::string> forward_env;        // BRO_FORWARD_ENV (default: allowed-env)
    std::string transfer_mode;                   // BRO_TRANSFER_MODE, empty: auto
};

// One tool: the program a socket serves, and everything about how.
struct ToolConfig {
    std::string name;  // its [tool.NAME] table; empty for the tool the command line describes
    ServerConfig config;
    WrapperSettings wrapper;
};

// What to do, with the tools to do it for; no tools after --help, --version or an error
// (printed already), with the exit code to leave with.
struct ParsedCommandLine {
    ProcessSettings process;
    std::vector<ToolConfig> tools;
    int exit_code = 0;
};

// Flags win over their BRO_SERVER_* environment equivalents. With --config the tools come
// from the file, and a tool flag on the command line or in the environment is an error (the
// two would otherwise silently disagree).
ParsedCommandLine parse_command_line(int argc, const char* const* argv);

// One tool's settings from its long options, as a command line without argv[0]
// ({"--executable", "/bin/cat", "--fd-passing"}): what a [tool.NAME] table becomes. No
// environment variable is read. With `process.action` kRun, process.run_command replaces the
// executable. Throws ConfigError.
ServerConfig read_tool_settings(const std::vector<std::string>& arguments,
                                const ProcessSettings& process);

}  // namespace bro::server
