#include "bench/e2e/footprint.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/process_usage.hpp"
#include "bench/e2e/unix_socket.hpp"

namespace bro::e2e {

void measure_idle_connections(const ServerProcess& server, std::size_t count, Footprint& f) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < count + 64)
        fail("RLIMIT_NOFILE too low for " + std::to_string(count) + " connections");
    f.connections = count;
    f.fds_before = open_fd_count(server.pid());
    f.rss_idle_kib = status_kib(server.pid(), "VmRSS");
    std::vector<int> fds;
    for (std::size_t i = 0; i < count; ++i) {
        const int fd = connect_unix_socket(server.socket_path());
        if (fd < 0) {
            fail(errno_text("connect " + server.socket_path() + " #" + std::to_string(i)));
        }
        fds.push_back(fd);
    }
    const double deadline = now_seconds() + 10;
    while (open_fd_count(server.pid()) < f.fds_before + static_cast<int>(count) &&
           now_seconds() < deadline) {
        usleep(10000);
    }
    f.fds_connected = open_fd_count(server.pid());
    f.rss_connected_kib = status_kib(server.pid(), "VmRSS");
    for (int fd : fds) close(fd);
    const double settle = now_seconds() + 10;
    while (open_fd_count(server.pid()) > f.fds_before && now_seconds() < settle) usleep(10000);
    f.fds_after = open_fd_count(server.pid());
    f.hwm_kib = status_kib(server.pid(), "VmHWM");
}

}  // namespace bro::e2e
