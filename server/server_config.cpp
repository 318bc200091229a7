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

#include "core/name_list.hpp"
#include "server/limit_flags.hpp"

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

po::options_description describe_options(ServerConfig& c) {
    po::options_description o(
        "Options (each also settable as BRO_SERVER_<NAME>, e.g. "
        "BRO_SERVER_SOCKET_PATH; flags win)");
    auto flag = [] {
        return po::value<bool>()->default_value(false)->implicit_value(true)->zero_tokens();
    };
    o.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
        "executable", po::value(&c.executable)->value_name("PATH"),
        "(required) the program every request runs; clients choose only its arguments")(
        "socket-path", po::value(&c.socket_path)->value_name("PATH"),
        "listen on this UNIX socket path (a stale socket there is replaced; any other file "
        "is refused)")(
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
    for (auto* read : {read_transfer_modes, read_cwd_policy, read_durations, read_limits}) {
        if (auto error = read(vm, config); !error.empty()) {
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
