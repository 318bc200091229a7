// bro-server: runs one fixed executable per tool on behalf of bro-client callers. One tool
// from the command line, or every tool of a --config file, each on its own socket, all in
// this one process on one ring.

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ring/ring.hpp"
#include "ring/when_all.hpp"
#include "server/descriptor_limit.hpp"
#include "server/effective_settings.hpp"
#include "server/environment_warnings.hpp"
#include "server/listener.hpp"
#include "server/log_setup.hpp"
#include "server/privilege_warnings.hpp"
#include "server/profile_commands.hpp"
#include "server/profile_config.hpp"
#include "server/server.hpp"
#include "server/server_config.hpp"
#include "server/stale_session_cleanup.hpp"
#include "server/stop_signals.hpp"
#include "server/wrapper_text.hpp"

namespace {

using namespace bro::server;

// fds 0-2 must be open, or a socket or pipe could land on them and be mistaken for stdio.
void ensure_standard_fds() {
    for (int fd = 0; fd < 3; ++fd) {
        if (fcntl(fd, F_GETFD) < 0) open("/dev/null", O_RDWR);
    }
}

// What a crashed predecessor left in each --tmpdir goes before the first session can start.
void clean_up_after_crashed_servers(const std::vector<ToolConfig>& tools) {
    std::set<std::string> tmpdirs;
    for (const auto& tool : tools) tmpdirs.insert(tool.config.tmpdir);
    for (const auto& tmpdir : tmpdirs) {
        const auto cleanup = remove_stale_session_directories(tmpdir);
        for (const auto& path : cleanup.removed) {
            spdlog::info("removed stale session directory {} (its server is gone)", path);
        }
        for (const auto& error : cleanup.errors) {
            spdlog::warn("could not remove all of a stale session directory: {}", error);
        }
    }
}

// Start-up warnings about settings that work but may not do what the operator thinks: the
// environment, the rights the server lends its programs, the profile.
void warn_about(const std::vector<ToolConfig>& tools) {
    for (const auto& tool : tools) {
        auto warnings = environment_warnings(tool.config);
        for (auto& warning : privilege_warnings(tool.config, geteuid())) {
            warnings.push_back(std::move(warning));
        }
        for (auto& warning : profile_warnings(tool.config)) warnings.push_back(std::move(warning));
        for (const auto& warning : warnings) {
            spdlog::warn("{}{}{}", tool.name, tool.name.empty() ? "" : ": ", warning);
        }
    }
}

// Each tool's settings as a [tool.NAME] table, then its profile and the trial of it as
// comments, so the output stays a valid config file.
int check(const std::vector<ToolConfig>& tools) {
    int failed = 0;
    for (const auto& tool : tools) {
        std::cout << describe_effective_settings(tool);
        std::ostringstream trial;
        if (check_profile(tool.config, trial) != 0) ++failed;
        std::istringstream lines(trial.str());
        for (std::string line; std::getline(lines, line);) {
            std::cout << "#" << (line.empty() ? "" : " ") << line << "\n";
        }
        std::cout << "\n";
    }
    std::cout << "# " << tools.size() << " tool(s): "
              << (failed == 0 ? "the configuration is usable"
                              : std::to_string(failed) + " profile(s) failed")
              << "\n";
    return failed == 0 ? 0 : 1;
}

int print_wrapper(const std::vector<ToolConfig>& tools, const std::string& name) {
    for (const auto& tool : tools) {
        if (tool.name != name) continue;
        std::cout << wrapper_file_text(tool);
        return 0;
    }
    std::cerr << "bro-server: the config file has no [tool." << name << "]\n";
    return 2;
}

int install_wrappers(const std::vector<ToolConfig>& tools, const std::string& directory) {
    try {
        for (const auto& path : install_wrapper_files(tools, directory)) std::cout << path << "\n";
        return 0;
    } catch (const std::system_error& e) {
        std::cerr << "bro-server: --install-wrappers: " << e.what() << "\n";
        return 1;
    }
}

std::vector<Listener> open_listeners(const std::vector<ToolConfig>& tools) {
    std::optional<SystemdSockets> systemd;
    std::vector<Listener> listeners;
    for (const auto& tool : tools) {
        const ServerConfig& config = tool.config;
        if (!config.systemd_socket) {
            listeners.push_back(Listener::bind_path(config.socket_path, config.socket));
            continue;
        }
        if (!systemd) systemd = SystemdSockets::from_environment();
        listeners.push_back(systemd->take(tool.name));
    }
    if (systemd) {
        for (const auto& name : systemd->close_unused()) {
            spdlog::warn("closed the systemd socket {}: no tool of this server is named so", name);
        }
    }
    return listeners;
}

bro::ring::Task<void> stop_on_signal(bro::ring::Ring& ring, StopSignals& signals,
                                     std::vector<std::unique_ptr<Server>>& servers) {
    const int signal = co_await signals.next(ring);
    spdlog::info("received signal {}, stopping", signal);
    for (auto& server : servers) server->stop();
}

int serve(std::vector<ToolConfig> tools) {
    StopSignals signals;  // blocks the stop signals before any socket listens
    clean_up_after_crashed_servers(tools);
    std::vector<Listener> listeners = open_listeners(tools);
    bro::ring::Ring ring;
    ring.on_detached_error = [](std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            spdlog::error("session failed: {}", e.what());
        }
    };
    // What every tool's Server shares: one session counter, one RLIMIT_NOFILE.
    std::uint64_t session_ids = 1;
    DescriptorBudget descriptors;
    std::size_t sessions = 0;
    std::vector<std::unique_ptr<Server>> servers;
    for (std::size_t i = 0; i < tools.size(); ++i) {
        sessions += tools[i].config.admission.max_sessions;
        servers.push_back(std::make_unique<Server>(
            ring, std::move(tools[i].config), std::move(listeners[i]), session_ids, descriptors));
    }
    if (const auto original = raise_descriptor_limit(sessions, descriptors)) {
        for (auto& server : servers) server->give_children_descriptor_limit(*original);
    }
    std::vector<bro::ring::Task<void>> parts;
    for (auto& server : servers) parts.push_back(server->serve());
    parts.push_back(stop_on_signal(ring, signals, servers));
    ring.run(bro::ring::when_all(std::move(parts)));
    ring.run_until([&] { return ring.detached_tasks() == 0; });
    spdlog::info("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ensure_standard_fds();
    auto parsed = parse_command_line(argc, argv);
    if (parsed.tools.empty()) return parsed.exit_code;
    configure_logging(parsed.process.log_level);
    warn_about(parsed.tools);
    switch (parsed.process.action) {
        case ServerAction::kCheck:
            return check(parsed.tools);
        case ServerAction::kRun:
            return run_with_profile(parsed.tools.front().config);
        case ServerAction::kPrintWrapper:
            return print_wrapper(parsed.tools, parsed.process.wrapper_tool);
        case ServerAction::kInstallWrappers:
            return install_wrappers(parsed.tools, parsed.process.wrappers_directory);
        case ServerAction::kServe:
            break;
    }
    try {
        return serve(std::move(parsed.tools));
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
