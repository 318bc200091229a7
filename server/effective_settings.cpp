#include "server/effective_settings.hpp"

#include <chrono>
#include <sstream>
#include <string_view>
#include <vector>

#include "server/limit_flags.hpp"

namespace bro::server {
namespace {

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

template <typename Items>
std::string list(const Items& items) {
    std::string out = "[";
    for (const auto& item : items) {
        if (out.size() > 1) out += ", ";
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(item)>>) {
            out += std::to_string(item);
        } else {
            out += quoted(item);
        }
    }
    return out + "]";
}

std::string seconds(std::chrono::nanoseconds duration) {
    std::ostringstream out;
    out << std::chrono::duration<double>(duration).count();
    return out.str();
}

std::string cwd_setting(const ServerConfig& c) {
    switch (c.cwd_policy) {
        case CwdPolicy::kCaller:
            return quoted("caller");
        case CwdPolicy::kCallerStrict:
            return quoted("caller-strict");
        case CwdPolicy::kFixed:
            return quoted(c.fixed_cwd);
    }
    return {};
}

std::string transfer_modes(const ServerConfig& c) {
    if (c.accept_content && c.accept_fd_passing) return quoted("content,fd");
    return quoted(c.accept_fd_passing ? "fd" : "content");
}

std::string run_as(const ServerConfig& c) {
    if (c.run_as_peer) return "as-peer = true\n";
    if (!c.run_as) return "# the child runs as the server's own user\n";
    return "user = " + std::to_string(c.run_as->uid) +
           "\ngroup = " + std::to_string(c.run_as->gid) + "\ngroups = " + list(c.run_as->groups) +
           "\n";
}

std::string session_cgroups(CgroupChoice choice) {
    switch (choice) {
        case CgroupChoice::kAuto:
            return quoted("auto");
        case CgroupChoice::kOn:
            return quoted("on");
        case CgroupChoice::kOff:
            return quoted("off");
    }
    return {};
}

}  // namespace

std::string describe_effective_settings(const ToolConfig& tool) {
    const ServerConfig& c = tool.config;
    std::ostringstream out;
    out << "[tool." << (tool.name.empty() ? "command-line" : tool.name) << "]\n";
    out << "executable = " << quoted(c.executable) << "\n";
    if (c.systemd_socket) {
        out << "systemd-socket = true\n";
    } else {
        out << "socket-path = " << quoted(c.socket_path) << "\n";
    }
    if (c.socket.mode)
        out << "socket-mode = \"0" << std::oct << *c.socket.mode << std::dec << "\"\n";
    out << "transfer-modes = " << transfer_modes(c) << "\n";
    out << "allowed-env = " << list(c.allowed_env) << "\n";
    out << "inherit-env = " << list(c.inherit_env) << "\n";
    out << "allow-dangerous-env = " << list(c.allow_dangerous_env) << "\n";
    out << "cwd = " << cwd_setting(c) << "\n";
    out << "tmpdir = " << quoted(c.tmpdir) << "\n";
    if (!c.argv0.empty()) out << "argv0 = " << quoted(c.argv0) << "\n";
    out << "prepend-arg = " << list(c.prepend_args) << "\n";
    out << "no-client-args = " << (c.no_client_args ? "true" : "false") << "\n";
    out << "log-arguments = " << (c.log_arguments ? "true" : "false") << "\n";
    out << "allow-uid = " << list(c.admission.allow_uids) << "\n";
    out << "allow-gid = " << list(c.admission.allow_gids) << "\n";
    out << "max-sessions = " << c.admission.max_sessions << "\n";
    out << "max-sessions-per-uid = " << c.admission.max_sessions_per_uid << "\n";
    out << run_as(c);
    out << "timeout = " << seconds(c.run_timeout) << "\n";
    out << "request-timeout = " << seconds(c.request_timeout) << "\n";
    out << "upload-timeout = " << seconds(c.upload_timeout) << "\n";
    out << "drain-timeout = " << seconds(c.drain_timeout) << "\n";
    out << "report-timeout = " << seconds(c.report_timeout) << "\n";
    out << "kill-grace = " << seconds(c.kill_grace) << "\n";
    out << "keep-background = " << (c.keep_background ? "true" : "false") << "\n";
    out << "session-cgroups = " << session_cgroups(c.session_cgroups) << "\n";
    for (const auto& limit : limit_flags()) {
        out << limit.flag << " = " << c.limits.*limit.member << "\n";
    }
    return out.str();
}

}  // namespace bro::server
