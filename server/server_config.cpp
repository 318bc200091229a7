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
#include "server/profile_commands.hpp"
#include "server/profile_config.hpp"
#include "server/profile_options.hpp"
#include "server/run_as.hpp"
#include "server/server_options.hpp"
#include "server/tool_settings.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

// This file's one error convention: a reader or check that finds the configuration unusable
// throws a ConfigError (config_error.hpp); parse_command_line() prints it once and refuses to
// start.

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
void validate(ServerConfig& c, bool needs_socket) {
    if (c.executable.empty()) throw ConfigError("--executable is required (the program to run)");
    if (c.executable.front() != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            throw ConfigError("cannot resolve relative --executable: getcwd failed");
        c.executable = std::string(cwd) + "/" + c.executable;
    }
    struct stat st {};
    // In a new root the program is looked up inside it, when --check tries the profile.
    if (!c.profile.changes_root() && stat(c.executable.c_str(), &st) != 0) {
        throw ConfigError("--executable " + c.executable + ": " + std::strerror(errno));
    }
    if (!c.profile.changes_root() &&
        (!S_ISREG(st.st_mode) || access(c.executable.c_str(), X_OK) != 0)) {
        throw ConfigError("--executable " + c.executable + ": not an executable regular file");
    }
    if (needs_socket && c.systemd_socket == !c.socket_path.empty()) {
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

// --run: the command after "--" is the program, with its arguments fixed; it wins over the
// tool's own --executable, --argv0 and --prepend-arg.
void use_run_command(const std::vector<std::string>& command, ServerConfig& c) {
    c.executable = command_path(command.front());
    c.argv0 = command.front();
    c.prepend_args.assign(command.begin() + 1, command.end());
}

}  // namespace

ServerConfig tool_defaults() {
    ServerConfig config;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) config.tmpdir = tmp;
    return config;
}

void read_tool_values(const po::variables_map& vm,
                      const std::vector<profile::ProfileFlag>& profile_flags,
                      const ProcessSettings& process, ServerConfig& config) {
    config.systemd_socket = vm["systemd-socket"].as<bool>();
    for (auto* read : {read_transfer_modes, read_cwd_policy, read_durations, read_lifetime,
                       read_limits, read_allow_lists, read_session_limits, read_run_as,
                       read_socket_settings, read_arguments}) {
        read(vm, config);
    }
    config.allowed_env = to_strings(vm, "allowed-env");
    config.inherit_env = to_strings(vm, "inherit-env");
    read_dangerous_env(vm, config);
    const bool run = process.action == ServerAction::kRun;
    if (run) use_run_command(process.run_command, config);
    read_profile(profile_flags, vm.count("cwd") > 0, !run, config);
    // A file's tools must be servable even when only checked; --check of flags and --run
    // try a profile before any socket is chosen.
    const bool needs_socket =
        process.action == ServerAction::kServe ||
        (process.action == ServerAction::kCheck && !process.config_file.empty());
    validate(config, needs_socket);
}

ServerConfig read_tool_settings(const std::vector<std::string>& arguments,
                                const ProcessSettings& process) {
    ServerConfig config = tool_defaults();
    po::options_description options;
    options.add(describe_tool_options(config)).add(describe_profile_options());
    po::variables_map vm;
    std::vector<profile::ProfileFlag> profile_flags;
    try {
        auto parsed = po::command_line_parser(arguments).options(options).run();
        profile_flags = take_profile_flags(parsed);
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw ConfigError(e.what());
    }
    read_tool_values(vm, profile_flags, process, config);
    return config;
}

}  // namespace bro::server
