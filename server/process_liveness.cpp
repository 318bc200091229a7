#include "server/process_liveness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "core/unique_fd.hpp"

namespace bro::server {

bool process_gone(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    // It exists (or may: EPERM). The state letter follows the command name in /proc/<pid>/stat; the
    // name is in parentheses and may hold anything, so the last ')' ends it.
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    const UniqueFd stat(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char text[512];
    const ssize_t length = stat ? ::read(stat.get(), text, sizeof text) : -1;
    if (length <= 0) return false;  // unreadable: taken for alive, so nothing of it is removed
    const std::string_view line(text, static_cast<std::size_t>(length));
    const auto close = line.rfind(')');
    if (close == std::string_view::npos || close + 2 >= line.size()) return false;
    const char state = line[close + 2];
    return state == 'Z' || state == 'X';
}

}  // namespace bro::server
