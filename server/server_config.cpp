#include "server/server_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <system_error>

#include "core/name_list.hpp"
#include "server/account_lookup.hpp"
#include "server/bounds_settings.hpp"
#include "server/config_file.hpp"
#include "server/run_as.hpp"
#include "server/server_options.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

// This file's one error convention: a reader or check that finds the configuration unusable
// throws a ConfigError (server_config.hpp); parse_command_line() prints it once and refuses
// to start.

ParsedCommandLine refuse_to_start(const std::string& why) {
    std::cerr << "bro-server: " << why << "\nTry 'bro-server --help'.\n";
    ParsedCommandLine refused;
    refused.exit_code = 2;
    return refused;
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
// a world-writable directory without the sticky bit would allow.
void validate_tmpdir(const std::string& tmpdir) {
    if (tmpdir.empty() || tmpdir.front() != '/') {
        throw ConfigError("--tmpdir '" + tmpdir + "': use an absolute directory");
    }
    struct stat st {};
    if (stat(tmpdir.c_str(), &st) != 0) {
        throw ConfigError("--tmpdir " + tmpdir + ": stat: " + std::strerror(errno) +
                          "; create it or choose another directory");
    }
    if (!S_ISDIR(st.st_mode)) throw ConfigError("--tmpdir " + tmpdir + ": not a directory");
    if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
        throw ConfigError(
            "--tmpdir " + tmpdir +
            " is world-writable without the sticky bit, so any user could replace the "
            "session directories in it; chmod +t it or choose another directory");
    }
    if (access(tmpdir.c_str(), W_OK | X_OK) != 0) {
        throw ConfigError("--tmpdir " + tmpdir +
                          ": not writable by this server: " + std::strerror(errno));
    }
}

// Throws ConfigError unless the configuration is usable.
void validate(ServerConfig& c) {
    if (c.executable.empty()) throw ConfigError("--executable is required (the program to run)");
    if (c.executable.front() != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            throw ConfigError("cannot resolve relative --executable: getcwd failed");
        c.executable = std::string(cwd) + "/" + c.executable;
    }
    struct stat st {};
    if (stat(c.executable.c_str(), &st) != 0) {
        throw ConfigError("--executable " + c.executable + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode) || access(c.executable.c_str(), X_OK) != 0) {
        throw ConfigError("--executable " + c.executable + ": not an executable regular file");
    }
    if (c.systemd_socket == !c.socket_path.empty()) {
        throw ConfigError("give exactly one of --socket-path and --systemd-socket");
    }
    validate_tmpdir(c.tmpdir);
}

void read_cwd_policy(const po::variables_map& vm, ServerConfig& c) {
    if (!vm.count("cwd")) return;
    const std::string value = vm["cwd"].as<std::string>();
    if (value == "caller") {
        c.cwd_policy = CwdPolicy::kCaller;
    } else if (value == "caller-strict") {
        c.cwd_policy = CwdPolicy::kCallerStrict;
    } else if (!value.empty() && value.front() == '/') {
        c.cwd_policy = CwdPolicy::kFixed;
        c.fixed_cwd = value;
    } else {
        throw ConfigError("--cwd " + value +
                          ": use caller, caller-strict or an absolute directory");
    }
}

void read_transfer_modes(const po::variables_map& vm, ServerConfig& c) {
    const bool fd_flag = vm["fd-passing"].as<bool>();
    if (!vm.count("transfer-modes")) {
        c.accept_content = !fd_flag;
        c.accept_fd_passing = fd_flag;
        return;
    }
    c.accept_content = c.accept_fd_passing = false;
    for (auto mode : split_name_list(vm["transfer-modes"].as<std::string>())) {
        if (mode == "content") {
            c.accept_content = true;
        } else if (mode == "fd") {
            c.accept_fd_passing = true;
        } else {
            throw ConfigError("--transfer-modes: unknown mode '" + std::string(mode) +
                              "'; use content, fd or content,fd");
        }
    }
    if (!c.accept_content && !c.accept_fd_passing)
        throw ConfigError("--transfer-modes: name a mode");
    if (fd_flag && c.accept_content && !c.accept_fd_passing) {
        throw ConfigError("--fd-passing contradicts --transfer-modes content");
    }
}

void read_allow_lists(const po::variables_map& vm, ServerConfig& c) {
    for (const auto& name : to_strings(vm, "allow-uid")) {
        const auto uid = find_user_id(name);
        if (!uid)
            throw ConfigError("--allow-uid " + name + ": no such user (give a name or a number)");
        c.admission.allow_uids.push_back(*uid);
    }
    for (const auto& name : to_strings(vm, "allow-gid")) {
        const auto gid = find_group_id(name);
        if (!gid)
            throw ConfigError("--allow-gid " + name + ": no such group (give a name or a number)");
        c.admission.allow_gids.push_back(*gid);
    }
    if ((vm.count("allow-uid") || vm.count("allow-gid")) && !c.admission.has_allow_list()) {
        throw ConfigError(
            "--allow-uid/--allow-gid: the list is empty; name at least one user or group, or "
            "drop the flag");
    }
}

std::optional<std::string> optional_string(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
}

void read_run_as(const po::variables_map& vm, ServerConfig& c) {
    c.run_as_peer = vm["as-peer"].as<bool>();
    const RunAsFlags flags{optional_string(vm, "user"), optional_string(vm, "group"),
                           optional_string(vm, "groups")};
    if (c.run_as_peer && (flags.user || flags.group || flags.groups)) {
        throw ConfigError("--as-peer excludes --user, --group and --groups; give one or the other");
    }
    if (c.run_as_peer && !can_change_identity()) {
        throw ConfigError("--as-peer: " + why_identities_cannot_change() +
                          ", and its children already run as uid " + std::to_string(geteuid()) +
                          "; start it as root or drop the flag");
    }
    try {
        c.run_as = resolve_run_as(flags);
    } catch (const RunAsError& e) {
        throw ConfigError(e.what());
    }
}

// --socket-mode: octal permission bits.
void read_socket_mode(const std::string& text, SocketSettings& socket) {
    unsigned mode = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || mode > 0777) {
        throw ConfigError("--socket-mode " + text +
                          ": use octal permission bits, 0 to 0777 (e.g. 0660)");
    }
    socket.mode = static_cast<mode_t>(mode);
}

// --socket-owner: USER, USER:GROUP or :GROUP.
void read_socket_owner(const std::string& text, SocketSettings& socket) {
    const auto colon = text.find(':');
    const std::string user = text.substr(0, colon);
    const std::string group = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (user.empty() && group.empty()) {
        throw ConfigError("--socket-owner " + text + ": use USER, USER:GROUP or :GROUP");
    }
    if (!user.empty() && !(socket.owner_uid = find_user_id(user))) {
        throw ConfigError("--socket-owner " + text + ": no such user " + user);
    }
    if (!group.empty() && !(socket.owner_gid = find_group_id(group))) {
        throw ConfigError("--socket-owner " + text + ": no such group " + group);
    }
}

void read_socket_settings(const po::variables_map& vm, ServerConfig& c) {
    const bool mode_or_owner = vm.count("socket-mode") || vm.count("socket-owner");
    if (c.systemd_socket && mode_or_owner) {
        throw ConfigError(
            "--socket-mode/--socket-owner: with --systemd-socket, set SocketMode=, "
            "SocketUser= and SocketGroup= in the .socket unit instead");
    }
    const bool abstract = !c.socket_path.empty() && c.socket_path.front() == '@';
    if (abstract && mode_or_owner) {
        throw ConfigError(
            "--socket-path " + c.socket_path +
            " is abstract (no file), so --socket-mode and --socket-owner do not apply; use a "
            "path or drop them");
    }
    if (abstract && !c.admission.has_allow_list()) {
        throw ConfigError(
            "--socket-path " + c.socket_path +
            ": an abstract socket has no file permissions, so anyone on the host could call; "
            "give --allow-uid or --allow-gid too, or use a path");
    }
    c.socket.allow_abstract = abstract;
    if (vm.count("socket-mode")) read_socket_mode(vm["socket-mode"].as<std::string>(), c.socket);
    if (vm.count("socket-owner")) {
        read_socket_owner(vm["socket-owner"].as<std::string>(), c.socket);
    }
}

void read_arguments(const po::variables_map& vm, ServerConfig& c) {
    if (vm.count("prepend-arg")) c.prepend_args = vm["prepend-arg"].as<std::vector<std::string>>();
    c.no_client_args = vm["no-client-args"].as<bool>();
    c.log_arguments = vm["log-arguments"].as<bool>();
}

void read_dangerous_env(const po::variables_map& vm, ServerConfig& c) {
    if (!vm.count("allow-dangerous-env")) return;
    for (const auto& list : vm["allow-dangerous-env"].as<std::vector<std::string>>()) {
        for (auto name : split_name_list(list)) c.allow_dangerous_env.emplace_back(name);
    }
}

// The readers of one tool's values, then its lists and the checks of the whole.
void read_tool_values(const po::variables_map& vm, ServerConfig& config) {
    config.systemd_socket = vm["systemd-socket"].as<bool>();
    for (auto* read : {read_transfer_modes, read_cwd_policy, read_durations, read_lifetime,
                       read_limits, read_allow_lists, read_session_limits, read_run_as,
                       read_socket_settings, read_arguments}) {
        read(vm, config);
    }
    config.allowed_env = to_strings(vm, "allowed-env");
    config.inherit_env = to_strings(vm, "inherit-env");
    read_dangerous_env(vm, config);
    validate(config);
}

ServerConfig tool_defaults() {
    ServerConfig config;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) config.tmpdir = tmp;
    return config;
}

// A tool option given as a flag or a BRO_SERVER_* variable.
std::string first_tool_option_given(const po::variables_map& vm,
                                    const po::options_description& tool_options) {
    for (const auto& option : tool_options.options()) {
        const auto found = vm.find(option->long_name());
        if (found != vm.end() && !found->second.defaulted()) return option->long_name();
    }
    return {};
}

void check_log_level(const ProcessSettings& process) {
    if (!valid_log_level(process.log_level)) {
        throw ConfigError("log level " + process.log_level +
                          ": use trace, debug, info, warn, error or off (--log-level)");
    }
}

void read_process_settings(const po::variables_map& vm, ProcessSettings& process) {
    const std::pair<bool, ServerAction> requested[] = {
        {vm["check"].as<bool>(), ServerAction::kCheck},
        {vm.count("print-wrapper") > 0, ServerAction::kPrintWrapper},
        {vm.count("install-wrappers") > 0, ServerAction::kInstallWrappers}};
    int actions = 0;
    for (const auto& [given, action] : requested) {
        if (!given) continue;
        process.action = action;
        ++actions;
    }
    if (actions > 1) {
        throw ConfigError("--check, --print-wrapper and --install-wrappers exclude each other");
    }
    const bool needs_file = vm.count("tool") || process.action == ServerAction::kPrintWrapper ||
                            process.action == ServerAction::kInstallWrappers;
    if (needs_file && process.config_file.empty()) {
        throw ConfigError(
            "--tool, --print-wrapper and --install-wrappers name tools of a config file: give "
            "--config FILE too");
    }
}

}  // namespace

ServerConfig read_tool_settings(const std::vector<std::string>& arguments) {
    ServerConfig config = tool_defaults();
    const auto options = describe_tool_options(config);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(arguments).options(options).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw ConfigError(e.what());
    }
    read_tool_values(vm, config);
    return config;
}

ParsedCommandLine parse_command_line(int argc, const char* const* argv) {
    ParsedCommandLine parsed;
    ServerConfig command_line_tool = tool_defaults();
    const auto process_options = describe_process_options(parsed.process);
    const auto tool_options = describe_tool_options(command_line_tool);
    po::options_description all;
    all.add(process_options).add(tool_options);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
        po::store(po::parse_environment(
                      all, [&](const std::string& v) { return option_for_variable(v, all); }),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return refuse_to_start(e.what());
    }
    if (vm.count("help")) {
        print_help(std::cout, process_options, tool_options);
        return parsed;
    }
    if (vm.count("version")) {
        std::cout << "bro-server " << BRO_VERSION << " (protocol version 1)\n";
        return parsed;
    }
    try {
        read_process_settings(vm, parsed.process);
        if (parsed.process.config_file.empty()) {
            check_log_level(parsed.process);
            read_tool_values(vm, command_line_tool);
            parsed.tools.push_back({{}, std::move(command_line_tool), {}});
            return parsed;
        }
        if (const auto given = first_tool_option_given(vm, tool_options); !given.empty()) {
            throw ConfigError("--" + given + " (or " + variable_for_option(given) +
                              ") is a tool option, but --config gives the tools: set it in "
                              "the tool's table of " +
                              parsed.process.config_file);
        }
        parsed.tools = read_config_file(parsed.process, vm.count("log-level") > 0);
        check_log_level(parsed.process);
    } catch (const ConfigError& e) {
        return refuse_to_start(e.what());
    } catch (const std::system_error& e) {  // a user or group database lookup failed
        return refuse_to_start(std::string("looking up users and groups: ") + e.what());
    }
    return parsed;
}

}  // namespace bro::server
