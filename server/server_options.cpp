#include "server/server_options.hpp"

#include <cctype>
#include <cstring>
#include <string>

#include "server/limit_flags.hpp"
#include "server/profile_options.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

constexpr const char* kEnvPrefix = "BRO_SERVER_";

}  // namespace

std::string option_for_variable(const std::string& variable,
                                const po::options_description& options) {
    if (variable.rfind(kEnvPrefix, 0) != 0) return {};
    std::string name = variable.substr(std::strlen(kEnvPrefix));
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    // Profile flags are ordered, --check and --run are modes: the command line only.
    if (command_line_only(name)) return {};
    return options.find_nothrow(name, false) ? name : std::string{};
}

std::string variable_for_option(const std::string& option) {
    std::string name = kEnvPrefix;
    for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return name;
}

namespace {

// An option that takes no value: present means true.
po::typed_value<bool>* flag() {
    return po::value<bool>()->default_value(false)->implicit_value(true)->zero_tokens();
}

void add_limit_options(po::options_description& o) {
    const ProtocolLimits defaults;
    for (const auto& limit : limit_flags()) {
        o.add_options()(limit.flag, po::value<std::string>()->value_name("N"),
                        (std::string(limit.help) + " (default " +
                         std::to_string(defaults.*limit.member) + "; " + std::to_string(limit.min) +
                         " to " + std::to_string(limit.max) + ", K/M/G suffixes accepted)")
                            .c_str());
    }
}

// Who may call, as whom the child runs, how the socket is set up, fixed arguments, limits.
void describe_identity_options(po::options_description& o) {
    o.add_options()(
        "allow-uid", po::value<std::string>()->value_name("A,B,..."),
        "only these callers (user names or uids, as the kernel reports the connecting process) "
        "may call; with --allow-gid, a caller in either list may. Others get an error and "
        "bro-client exits 125. Default: everyone who can open the socket")(
        "allow-gid", po::value<std::string>()->value_name("A,B,..."),
        "only callers whose group or one of whose supplementary groups is listed (names or "
        "gids) may call; see --allow-uid")(
        "user", po::value<std::string>()->value_name("NAME|UID"),
        "run the child as this user: its uid, its primary group and the groups the group "
        "database gives it (as initgroups does). Needs a root server (CAP_SETUID and "
        "CAP_SETGID)")("group", po::value<std::string>()->value_name("NAME|GID"),
                       "the child's group (default with --user: the user's primary group)")(
        "groups", po::value<std::string>()->value_name("A,B,..."),
        "the child's supplementary groups, exactly (empty: none; default with --user: the "
        "user's groups from the group database)")(
        "as-peer", flag(),
        "run each child as its caller: the caller's uid, gid and supplementary groups as the "
        "kernel recorded them at connect(). Needs a root server; excludes --user, --group, "
        "--groups")("socket-mode", po::value<std::string>()->value_name("OCTAL"),
                    "permissions of the --socket-path socket, e.g. 0660 (connecting needs write "
                    "permission). Default: 0777 minus the server's umask")(
        "socket-owner", po::value<std::string>()->value_name("USER:GROUP"),
        "owner and group of the --socket-path socket (names or numbers; USER, USER:GROUP or "
        ":GROUP). Default: the server's")(
        "prepend-arg", po::value<std::vector<std::string>>()->value_name("ARG"),
        "a fixed argument placed after argv[0] and before the client's arguments, which the "
        "client cannot change or remove; repeat for several, in order (the environment "
        "variable gives one)")("no-client-args", flag(),
                               "refuse every request that carries arguments (the program runs "
                               "with argv[0] and --prepend-arg only); the client gets an error "
                               "and exits 125")(
        "max-sessions", po::value<long long>()->value_name("N"),
        "the most sessions running at once (default 1024); a caller beyond it gets an error "
        "and bro-client exits 125")("max-sessions-per-uid", po::value<long long>()->value_name("N"),
                                    "the most sessions one caller uid may run at once (default: a "
                                    "quarter of --max-sessions, so 256)");
}

}  // namespace

po::options_description describe_process_options(ProcessSettings& p) {
    po::options_description o("Process options");
    o.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
        "config", po::value(&p.config_file)->value_name("FILE"),
        "serve every tool the TOML file describes (/etc/bro/bro.toml; see bro.toml(5)), one "
        "socket each, in this one process; tool options may then not be given as flags or "
        "BRO_SERVER_* variables")("tool", po::value(&p.only_tool)->value_name("NAME"),
                                  "with --config: serve only this tool (a bro@NAME.service)")(
        "check", flag(),
        "check the configuration (flags, or every tool of --config) without listening: print "
        "the effective settings of each tool, try its profile once in a throwaway child that "
        "does every step of a call but the exec (privileges, every path, the executable inside "
        "the sandbox) and print the profile in order. Exit 0 if all works, 1 if a tool's "
        "profile fails, 2 if the configuration is unusable")(
        "run", flag(),
        "run the command after -- (a program and its arguments) under the tool's profile "
        "here, with this terminal's stdin, stdout and stderr and no socket, and exit as it "
        "did: try a profile by hand. --executable is not needed; with --config, give --tool")(
        "print-wrapper", po::value(&p.wrapper_tool)->value_name("TOOL"),
        "with --config: print the wrapper file of TOOL (install it in the sandbox as the tool's "
        "name, mode 0755) and exit")(
        "install-wrappers", po::value(&p.wrappers_directory)->value_name("DIR"),
        "with --config: write the wrapper file of every tool into DIR, named after the tool, "
        "mode 0755, and exit")("log-level", po::value(&p.log_level)->value_name("LEVEL"),
                               "trace, debug, info, warn, error or off (default info); logs go "
                               "to stderr (to the journal, with its priorities, under systemd)");
    return o;
}

po::options_description describe_tool_options(ServerConfig& c) {
    po::options_description o("Tool options");
    o.add_options()("executable", po::value(&c.executable)->value_name("PATH"),
                    "(required) the program every request runs; clients choose only its arguments")(
        "socket-path", po::value(&c.socket_path)->value_name("PATH"),
        "listen on this UNIX socket path (a stale socket there is replaced; any other file "
        "is refused). @NAME: the abstract address NAME, which has no file permissions, so it "
        "needs --allow-uid or --allow-gid")(
        "systemd-socket", flag(),
        "use the listening socket passed by systemd socket activation (LISTEN_FDS/LISTEN_PID) "
        "instead of --socket-path")(
        "fd-passing", flag(),
        "file descriptor passing mode: the client's stdin, stdout, stderr and file arguments "
        "are passed to the child as descriptors, no data is relayed (same as --transfer-modes "
        "fd)")("transfer-modes", po::value<std::string>()->value_name("MODES"),
               "modes requests may use: content, fd, or content,fd (default content; bro-client "
               "picks fd-passing when the server accepts it)")(
        "allowed-env", po::value<std::string>()->value_name("A,B,..."),
        "client-forwarded environment variables the child may receive; all others are dropped, "
        "and so are dangerous ones (see --allow-dangerous-env)")(
        "inherit-env", po::value<std::string>()->value_name("A,B,..."),
        "server environment variables passed to the child (by default none; the dangerous "
        "list does not apply to these)")(
        "allow-dangerous-env",
        po::value<std::vector<std::string>>()->composing()->value_name("A,B,..."),
        "(repeatable) let these names pass --allowed-env although they are on the built-in "
        "list of dangerous variables (LD_*, PATH, PYTHON*, ...: see the README); each is "
        "logged at start-up")(
        "cwd", po::value<std::string>()->value_name("caller|caller-strict|DIR"),
        "where the child runs. caller (default): the caller's working directory (fd mode: "
        "through a descriptor the client passes, so it works across mount namespaces); where "
        "that directory does not exist on this side, the session's private directory (content "
        "mode) or / (fd mode). caller-strict: the caller's directory or the call is refused. "
        "An absolute DIR: always there")(
        "timeout", po::value<double>()->value_name("SECONDS"),
        "the longest a run may take: then its process group gets SIGTERM (SIGKILL after "
        "--kill-grace) and the client exits 124 saying so (default 0: no limit)")(
        "request-timeout", po::value<double>()->value_name("SECONDS"),
        "a connection that has not sent its whole request by then is closed; also the longest "
        "the caller's working directory may take to resolve (a hung mount), after which the "
        "program runs as if the directory were missing (default 10)")(
        "upload-timeout", po::value<double>()->value_name("SECONDS"),
        "content mode: an upload of file arguments during which no byte arrives for this long "
        "is abandoned and the call refused (default: --request-timeout's value)")(
        "drain-timeout", po::value<double>()->value_name("SECONDS"),
        "after the program exits, how long to wait for its stdout and stderr to reach end of "
        "file and reach the client (a process it started may hold them, the client may not "
        "read) before reporting the exit (default 10)")(
        "report-timeout", po::value<double>()->value_name("SECONDS"),
        "how long a client has to take the frame that reports how the call ended; a client "
        "that does not read it is disconnected (default 10)")(
        "keep-background", flag(),
        "let processes the program leaves behind outlive the call (by default, once the "
        "program has exited and its output is drained, its process group gets SIGKILL, and so "
        "does its session cgroup)")(
        "session-cgroups", po::value<std::string>()->value_name("auto|on|off"),
        "a cgroup per session, killed with cgroup.kill when the call ends, so even processes "
        "that left the program's process group (setsid daemons) end with it. auto (default): "
        "where the server's own cgroup is delegated to it (systemd Delegate=yes); on: refuse "
        "to start without one; off: never")(
        "kill-grace", po::value<double>()->value_name("SECONDS"),
        "when a client vanishes (killed, crashed, closed the socket) its program's process group "
        "gets SIGTERM, and SIGKILL after this many seconds if anything is left (default 5)")(
        "argv0", po::value(&c.argv0)->value_name("NAME"),
        "the child's argv[0] (default: the --executable path)")(
        "tmpdir", po::value(&c.tmpdir)->value_name("DIR"),
        "where per-session private directories for file arguments are created (default: "
        "$TMPDIR or /tmp)")("log-arguments", flag(),
                            "write the caller's arguments into each call's audit record (one "
                            "info line per call; without this flag it gives only their count, "
                            "since arguments may hold secrets)");
    add_limit_options(o);
    describe_identity_options(o);
    return o;
}

void print_help(std::ostream& out, std::initializer_list<const po::options_description*> groups) {
    out << "Usage: bro-server --executable PATH (--socket-path PATH | --systemd-socket) "
           "[options]\n"
           "       bro-server --config FILE [--tool NAME] [--check | --print-wrapper TOOL |\n"
           "                  --install-wrappers DIR]\n"
           "       bro-server [options] --run -- PROGRAM [ARGS...]\n\n"
           "Runs PATH on behalf of bro-client callers connecting to a UNIX socket: their\n"
           "arguments, stdin and file arguments in; stdout, stderr and the exact exit status\n"
           "out, optionally in a sandbox (the Sandbox options). With --config, one process\n"
           "serves each tool of the file on its own socket. Stop it with SIGTERM or SIGINT.\n"
           "Options are also settable as BRO_SERVER_<NAME> (e.g. BRO_SERVER_SOCKET_PATH; a flag\n"
           "wins), except the Sandbox options, whose order matters; every tool option is a\n"
           "key of a [tool.NAME] table in the --config file, and its profile key lists the\n"
           "Sandbox options in order.\n\n";
    for (const auto* group : groups) out << *group << "\n";
    out << "Environment equivalents:\n";
    for (const auto* group : groups) {
        for (const auto& option : group->options()) {
            const auto& name = option->long_name();
            if (name == "help" || name == "version" || command_line_only(name)) continue;
            out << "  " << variable_for_option(name) << "\n";
        }
    }
}

}  // namespace bro::server
