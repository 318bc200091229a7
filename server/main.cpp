// bro-server: runs one fixed executable on behalf of bro-client callers.

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "ring/ring.hpp"
#include "server/environment_warnings.hpp"
#include "server/listener.hpp"
#include "server/privilege_warnings.hpp"
#include "server/server.hpp"
#include "server/server_config.hpp"
#include "server/stale_session_cleanup.hpp"

namespace {

// fds 0-2 must be open, or a socket or pipe could land on them and be mistaken for stdio.
void ensure_standard_fds() {
    for (int fd = 0; fd < 3; ++fd) {
        if (fcntl(fd, F_GETFD) < 0) open("/dev/null", O_RDWR);
    }
}

void configure_logging(const std::string& level) {
    auto logger = spdlog::stderr_color_mt("bro-server");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e bro-server[%P] %l: %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

// What a crashed predecessor left in --tmpdir goes before the first session can start.
void clean_up_after_crashed_servers(const std::string& tmpdir) {
    const auto cleanup = bro::server::remove_stale_session_directories(tmpdir);
    for (const auto& path : cleanup.removed) {
        spdlog::info("removed stale session directory {} (its server is gone)", path);
    }
    for (const auto& error : cleanup.errors) {
        spdlog::warn("could not remove all of a stale session directory: {}", error);
    }
}

}  // namespace

int main(int argc, char** argv) {
    ensure_standard_fds();
    auto parsed = bro::server::parse_command_line(argc, argv);
    if (!parsed.config) return parsed.exit_code;
    configure_logging(parsed.config->log_level);
    for (const auto& warning : bro::server::environment_warnings(*parsed.config)) {
        spdlog::warn("{}", warning);
    }
    for (const auto& warning : bro::server::privilege_warnings(*parsed.config, geteuid())) {
        spdlog::warn("{}", warning);
    }
    try {
        bro::server::block_stop_signals();
        clean_up_after_crashed_servers(parsed.config->tmpdir);
        auto listener = parsed.config->systemd_socket
                            ? bro::server::Listener::from_systemd()
                            : bro::server::Listener::bind_path(parsed.config->socket_path,
                                                               parsed.config->socket);
        bro::ring::Ring ring;
        ring.on_detached_error = [](std::exception_ptr error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                spdlog::error("session failed: {}", e.what());
            }
        };
        bro::server::Server server(ring, std::move(*parsed.config), std::move(listener));
        ring.run(server.serve());
        ring.run_until([&] { return ring.detached_tasks() == 0; });
        spdlog::info("stopped");
        return 0;
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
