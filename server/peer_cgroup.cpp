#include "server/peer_cgroup.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

#include "core/unique_fd.hpp"

namespace bro::server {
namespace {

constexpr int kSoPeerPidfd = 77;  // Linux 6.5; not in Debian 12's headers

}  // namespace

std::string read_peer_cgroup(int socket, pid_t pid) {
    int raw = -1;
    socklen_t length = sizeof raw;
    if (pid <= 0 || getsockopt(socket, SOL_SOCKET, kSoPeerPidfd, &raw, &length) != 0) return {};
    const UniqueFd pidfd(raw);
    const std::string path = "/proc/" + std::to_string(pid) + "/cgroup";
    const UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::array<char, 4096> text{};
    const ssize_t n = file ? ::read(file.get(), text.data(), text.size()) : -1;
    // Still the same process: its pid was not reused while we read.
    if (n <= 0 || syscall(SYS_pidfd_send_signal, pidfd.get(), 0, nullptr, 0) != 0) return {};
    const std::string_view lines(text.data(), static_cast<std::size_t>(n));
    const auto unified = lines.find("0::");  // the cgroup v2 line
    if (unified == std::string_view::npos) return {};
    const auto end = lines.find('\n', unified);
    return std::string(
        lines.substr(unified + 3, end == std::string_view::npos ? end : end - unified - 3));
}

std::string_view unit_of_cgroup(std::string_view cgroup) {
    const auto slash = cgroup.rfind('/');
    const std::string_view last =
        slash == std::string_view::npos ? cgroup : cgroup.substr(slash + 1);
    for (const std::string_view suffix : {".service", ".scope"}) {
        if (last.size() > suffix.size() && last.ends_with(suffix)) return last;
    }
    return {};
}

}  // namespace bro::server
