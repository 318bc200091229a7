#include "server/server_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <map>
#include <system_error>

#include "core/name_list.hpp"
#include "server/account_lookup.hpp"
#include "server/limit_flags.hpp"
#include "server/run_as.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

constexpr const char* kEnvPrefix = "BRO_SERVER_";

// Maps BRO_SERVER_SOCKET_PATH to "socket-path"; other variables are ignored.
std::string option_for_variable(const std::string& variable,
                                const po::options_description& options) {
    if (variable.rfind(kEnvPrefix, 0) != 0) return {};
    std::string name = variable.substr(std::strlen(kEnvPrefix));
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    return options.find_nothrow(name, false) ? name : std::string{};
}

std::string variable_for_option(const std::string& option) {
    std::string name = kEnvPrefix;
    for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return name;
}

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
                                    "the most sessions one caller uid may run at once (default "
                                    "512)");
}

po::options_description describe_options(ServerConfig& c) {
    po::options_description o(
        "Options (each also settable as BRO_SERVER_<NAME>, e.g. "
        "BRO_SERVER_SOCKET_PATH; flags win)");
    o.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
        "executable", po::value(&c.executable)->value_name("PATH"),
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
        "a connection that has not sent its whole request by then is closed (default 10)")(
        "drain-timeout", po::value<double>()->value_name("SECONDS"),
        "after the program exits, how long to wait for its stdout and stderr to reach end of "
        "file (a process it started may hold them) before reporting the exit (default 10)")(
        "kill-grace", po::value<double>()->value_name("SECONDS"),
        "when a client vanishes (killed, crashed, closed the socket) its program's process group "
        "gets SIGTERM, and SIGKILL after this many seconds if anything is left (default 5)")(
        "argv0", po::value(&c.argv0)->value_name("NAME"),
        "the child's argv[0] (default: the --executable path)")(
        "tmpdir", po::value(&c.tmpdir)->value_name("DIR"),
        "where per-session private directories for file arguments are created (default: "
        "$TMPDIR or /tmp)")(
        "log-level", po::value(&c.log_level)->value_name("LEVEL"),
        "trace, debug, info, warn, error or off (default info); logs go to stderr");
    add_limit_options(o);
    describe_identity_options(o);
    return o;
}

void print_help(std::ostream& out, const po::options_description& options) {
    out << "Usage: bro-server --executable PATH (--socket-path PATH | --systemd-socket) "
           "[options]\n\n"
           "Runs PATH on behalf of bro-client callers connecting to a UNIX socket: their\n"
           "arguments, stdin and file arguments in; stdout, stderr and the exact exit status\n"
           "out. Stop it with SIGTERM or SIGINT.\n\n"
        << options << "\nEnvironment equivalents:\n";
    for (const auto& option : options.options()) {
        const auto& name = option->long_name();
        if (name == "help" || name == "version") continue;
        out << "  " << variable_for_option(name) << "\n";
    }
}

bool valid_log_level(const std::string& level) {
    for (const char* known : {"trace", "debug", "info", "warn", "error", "off"}) {
        if (level == known) return true;
    }
    return false;
}

std::vector<std::string> to_strings(const po::variables_map& vm, const char* name) {
    std::vector<std::string> out;
    if (vm.count(name)) {
        for (auto item : split_name_list(vm[name].as<std::string>())) out.emplace_back(item);
    }
    return out;
}

// The session directories go here: it must be absolute (the child runs elsewhere and gets
// these paths), and no other user may rename or replace what the server creates in it, which
// a world-writable directory without the sticky bit would allow. Returns an error, or empty.
std::string validate_tmpdir(const std::string& tmpdir) {
    if (tmpdir.empty() || tmpdir.front() != '/') {
        return "--tmpdir '" + tmpdir + "': use an absolute directory";
    }
    struct stat st {};
    if (stat(tmpdir.c_str(), &st) != 0) {
        return "--tmpdir " + tmpdir + ": stat: " + std::strerror(errno) +
               "; create it or choose another directory";
    }
    if (!S_ISDIR(st.st_mode)) return "--tmpdir " + tmpdir + ": not a directory";
    if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
        return "--tmpdir " + tmpdir +
               " is world-writable without the sticky bit, so any user could replace the "
               "session directories in it; chmod +t it or choose another directory";
    }
    if (access(tmpdir.c_str(), W_OK | X_OK) != 0) {
        return "--tmpdir " + tmpdir + ": not writable by this server: " + std::strerror(errno);
    }
    return {};
}

// Returns an error message, or empty when the configuration is usable.
std::string validate(ServerConfig& c) {
    if (c.executable.empty()) return "--executable is required (the program to run)";
    if (c.executable.front() != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return "cannot resolve relative --executable: getcwd failed";
        c.executable = std::string(cwd) + "/" + c.executable;
    }
    struct stat st {};
    if (stat(c.executable.c_str(), &st) != 0) {
        return "--executable " + c.executable + ": " + std::strerror(errno);
    }
    if (!S_ISREG(st.st_mode) || access(c.executable.c_str(), X_OK) != 0) {
        return "--executable " + c.executable + ": not an executable regular file";
    }
    if (c.systemd_socket == !c.socket_path.empty()) {
        return "give exactly one of --socket-path and --systemd-socket";
    }
    if (!valid_log_level(c.log_level)) {
        return "--log-level " + c.log_level + ": use trace, debug, info, warn, error or off";
    }
    return validate_tmpdir(c.tmpdir);
}

// Reads a duration flag into `out`; returns an error message, or empty.
std::string read_seconds(const po::variables_map& vm, const char* flag, double max_seconds,
                         std::chrono::nanoseconds& out) {
    if (!vm.count(flag)) return {};
    const double seconds = vm[flag].as<double>();
    if (!(seconds >= 0 && seconds <= max_seconds)) {
        return std::string("--") + flag + " " + std::to_string(seconds) + ": use 0 to " +
               std::to_string(static_cast<long>(max_seconds)) + " seconds";
    }
    out = std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
    return {};
}

// Returns an error message, or empty.
std::string read_durations(const po::variables_map& vm, ServerConfig& c) {
    constexpr double kDay = 86400;
    for (auto [flag, out] :
         {std::pair{"kill-grace", &c.kill_grace}, std::pair{"timeout", &c.run_timeout},
          std::pair{"request-timeout", &c.request_timeout},
          std::pair{"drain-timeout", &c.drain_timeout}}) {
        if (auto error = read_seconds(vm, flag, kDay, *out); !error.empty()) return error;
    }
    if (vm.count("request-timeout") && c.request_timeout.count() == 0) {
        return "--request-timeout must be more than 0";
    }
    return {};
}

// A size such as 4096, 64K, 16M or 2G (binary multiples); nullopt when malformed or too big.
std::optional<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end == text.data()) return std::nullopt;
    const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    int shift = 0;
    if (suffix == "K" || suffix == "k") {
        shift = 10;
    } else if (suffix == "M" || suffix == "m") {
        shift = 20;
    } else if (suffix == "G" || suffix == "g") {
        shift = 30;
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (shift > 0 && value > (SIZE_MAX >> shift)) return std::nullopt;
    return value << shift;
}

// Returns an error message, or empty.
std::string read_limits(const po::variables_map& vm, ServerConfig& c) {
    for (const auto& limit : limit_flags()) {
        if (!vm.count(limit.flag)) continue;
        const std::string text = vm[limit.flag].as<std::string>();
        const auto value = parse_size(text);
        if (!value || *value < limit.min || *value > limit.max) {
            return std::string("--") + limit.flag + " " + text + ": use a number from " +
                   std::to_string(limit.min) + " to " + std::to_string(limit.max);
        }
        c.limits.*limit.member = *value;
    }
    return {};
}

// Returns an error message, or empty.
std::string read_cwd_policy(const po::variables_map& vm, ServerConfig& c) {
    if (!vm.count("cwd")) return {};
    const std::string value = vm["cwd"].as<std::string>();
    if (value == "caller") {
        c.cwd_policy = CwdPolicy::kCaller;
    } else if (value == "caller-strict") {
        c.cwd_policy = CwdPolicy::kCallerStrict;
    } else if (!value.empty() && value.front() == '/') {
        c.cwd_policy = CwdPolicy::kFixed;
        c.fixed_cwd = value;
    } else {
        return "--cwd " + value + ": use caller, caller-strict or an absolute directory";
    }
    return {};
}

// Returns an error message, or empty.
std::string read_transfer_modes(const po::variables_map& vm, ServerConfig& c) {
    const bool fd_flag = vm["fd-passing"].as<bool>();
    if (!vm.count("transfer-modes")) {
        c.accept_content = !fd_flag;
        c.accept_fd_passing = fd_flag;
        return {};
    }
    c.accept_content = c.accept_fd_passing = false;
    for (auto mode : split_name_list(vm["transfer-modes"].as<std::string>())) {
        if (mode == "content") {
            c.accept_content = true;
        } else if (mode == "fd") {
            c.accept_fd_passing = true;
        } else {
            return "--transfer-modes: unknown mode '" + std::string(mode) +
                   "'; use content, fd or content,fd";
        }
    }
    if (!c.accept_content && !c.accept_fd_passing) return "--transfer-modes: name a mode";
    if (fd_flag && c.accept_content && !c.accept_fd_passing) {
        return "--fd-passing contradicts --transfer-modes content";
    }
    return {};
}

// Returns an error message, or empty.
std::string read_allow_lists(const po::variables_map& vm, ServerConfig& c) {
    for (const auto& name : to_strings(vm, "allow-uid")) {
        const auto uid = find_user_id(name);
        if (!uid) return "--allow-uid " + name + ": no such user (give a name or a number)";
        c.admission.allow_uids.push_back(*uid);
    }
    for (const auto& name : to_strings(vm, "allow-gid")) {
        const auto gid = find_group_id(name);
        if (!gid) return "--allow-gid " + name + ": no such group (give a name or a number)";
        c.admission.allow_gids.push_back(*gid);
    }
    if ((vm.count("allow-uid") || vm.count("allow-gid")) && !c.admission.has_allow_list()) {
        return "--allow-uid/--allow-gid: the list is empty; name at least one user or group, or "
               "drop the flag";
    }
    return {};
}

// Returns an error message, or empty.
std::string read_session_limits(const po::variables_map& vm, ServerConfig& c) {
    constexpr long long kMost = 1 << 20;
    for (auto [flag, out] :
         {std::pair{"max-sessions", &c.admission.max_sessions},
          std::pair{"max-sessions-per-uid", &c.admission.max_sessions_per_uid}}) {
        if (!vm.count(flag)) continue;
        const long long value = vm[flag].as<long long>();
        if (value < 1 || value > kMost) {
            return std::string("--") + flag + " " + std::to_string(value) + ": use 1 to " +
                   std::to_string(kMost);
        }
        *out = static_cast<std::size_t>(value);
    }
    return {};
}

std::optional<std::string> optional_string(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
}

// Returns an error message, or empty.
std::string read_run_as(const po::variables_map& vm, ServerConfig& c) {
    c.run_as_peer = vm["as-peer"].as<bool>();
    const RunAsFlags flags{optional_string(vm, "user"), optional_string(vm, "group"),
                           optional_string(vm, "groups")};
    if (c.run_as_peer && (flags.user || flags.group || flags.groups)) {
        return "--as-peer excludes --user, --group and --groups; give one or the other";
    }
    if (c.run_as_peer && !can_change_identity()) {
        return "--as-peer: " + why_identities_cannot_change() +
               ", and its children already run as uid " + std::to_string(geteuid()) +
               "; start it as root or drop the flag";
    }
    try {
        c.run_as = resolve_run_as(flags);
    } catch (const RunAsError& e) {
        return e.what();
    }
    return {};
}

// --socket-mode: octal permission bits. Returns an error message, or empty.
std::string read_socket_mode(const std::string& text, SocketSettings& socket) {
    unsigned mode = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || mode > 0777) {
        return "--socket-mode " + text + ": use octal permission bits, 0 to 0777 (e.g. 0660)";
    }
    socket.mode = static_cast<mode_t>(mode);
    return {};
}

// --socket-owner: USER, USER:GROUP or :GROUP. Returns an error message, or empty.
std::string read_socket_owner(const std::string& text, SocketSettings& socket) {
    const auto colon = text.find(':');
    const std::string user = text.substr(0, colon);
    const std::string group = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (user.empty() && group.empty()) {
        return "--socket-owner " + text + ": use USER, USER:GROUP or :GROUP";
    }
    if (!user.empty() && !(socket.owner_uid = find_user_id(user))) {
        return "--socket-owner " + text + ": no such user " + user;
    }
    if (!group.empty() && !(socket.owner_gid = find_group_id(group))) {
        return "--socket-owner " + text + ": no such group " + group;
    }
    return {};
}

// Returns an error message, or empty.
std::string read_socket_settings(const po::variables_map& vm, ServerConfig& c) {
    const bool mode_or_owner = vm.count("socket-mode") || vm.count("socket-owner");
    if (c.systemd_socket && mode_or_owner) {
        return "--socket-mode/--socket-owner: with --systemd-socket, set SocketMode=, "
               "SocketUser= and SocketGroup= in the .socket unit instead";
    }
    const bool abstract = !c.socket_path.empty() && c.socket_path.front() == '@';
    if (abstract && mode_or_owner) {
        return "--socket-path " + c.socket_path +
               " is abstract (no file), so --socket-mode and --socket-owner do not apply; use a "
               "path or drop them";
    }
    if (abstract && !c.admission.has_allow_list()) {
        return "--socket-path " + c.socket_path +
               ": an abstract socket has no file permissions, so anyone on the host could call; "
               "give --allow-uid or --allow-gid too, or use a path";
    }
    c.socket.allow_abstract = abstract;
    std::string error;
    if (vm.count("socket-mode"))
        error = read_socket_mode(vm["socket-mode"].as<std::string>(), c.socket);
    if (error.empty() && vm.count("socket-owner")) {
        error = read_socket_owner(vm["socket-owner"].as<std::string>(), c.socket);
    }
    return error;
}

// Returns an error message, or empty.
std::string read_arguments(const po::variables_map& vm, ServerConfig& c) {
    if (vm.count("prepend-arg")) c.prepend_args = vm["prepend-arg"].as<std::vector<std::string>>();
    c.no_client_args = vm["no-client-args"].as<bool>();
    return {};
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const* argv) {
    ServerConfig config;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) config.tmpdir = tmp;
    const auto options = describe_options(config);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
        po::store(
            po::parse_environment(
                options, [&](const std::string& v) { return option_for_variable(v, options); }),
            vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "bro-server: " << e.what() << "\nTry 'bro-server --help'.\n";
        return {std::nullopt, 2};
    }
    if (vm.count("help")) {
        print_help(std::cout, options);
        return {std::nullopt, 0};
    }
    if (vm.count("version")) {
        std::cout << "bro-server " << BRO_VERSION << " (protocol version 1)\n";
        return {std::nullopt, 0};
    }
    config.systemd_socket = vm["systemd-socket"].as<bool>();
    for (auto* read :
         {read_transfer_modes, read_cwd_policy, read_durations, read_limits, read_allow_lists,
          read_session_limits, read_run_as, read_socket_settings, read_arguments}) {
        std::string error;
        try {
            error = read(vm, config);
        } catch (const std::system_error& e) {  // a user or group database lookup failed
            error = std::string("looking up users and groups: ") + e.what();
        }
        if (!error.empty()) {
            std::cerr << "bro-server: " << error << "\nTry 'bro-server --help'.\n";
            return {std::nullopt, 2};
        }
    }
    config.allowed_env = to_strings(vm, "allowed-env");
    config.inherit_env = to_strings(vm, "inherit-env");
    if (vm.count("allow-dangerous-env")) {
        for (const auto& list : vm["allow-dangerous-env"].as<std::vector<std::string>>()) {
            for (auto name : split_name_list(list)) config.allow_dangerous_env.emplace_back(name);
        }
    }
    if (auto error = validate(config); !error.empty()) {
        std::cerr << "bro-server: " << error << "\nTry 'bro-server --help'.\n";
        return {std::nullopt, 2};
    }
    return {std::move(config), 0};
}

}  // namespace bro::server
