#include "server/session_cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "ring/deadline.hpp"
#include "ring/operations.hpp"
#include "server/clone_into_cgroup.hpp"
#include "server/process_liveness.hpp"

namespace bro::server {
namespace {

constexpr const char* kPrefix = "bro-session-";

// Where cgroup2 is mounted and which part of the hierarchy it shows, from mountinfo.
std::optional<std::pair<std::string, std::string>> cgroup2_mount() {
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
        const auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line);
        std::string id, parent, device, root, mountpoint;
        fields >> id >> parent >> device >> root >> mountpoint;
        return std::pair{mountpoint, root};
    }
    return std::nullopt;
}

// This process's cgroup v2 path ("0::/system.slice/bro.service"), or nullopt.
std::optional<std::string> own_cgroup() {
    std::ifstream cgroups("/proc/self/cgroup");
    for (std::string line; std::getline(cgroups, line);) {
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    }
    return std::nullopt;
}

bool marked_delegated(const std::string& path) {
    for (const char* name : {"trusted.delegate", "user.delegate"}) {
        char value[8] = {};
        const ssize_t length = getxattr(path.c_str(), name, value, sizeof value - 1);
        if (length == 1 && value[0] == '1') return true;
    }
    return false;
}

bool write_text(const std::string& path, const char* text) {
    const UniqueFd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    const auto length = static_cast<ssize_t>(std::strlen(text));
    return file && ::write(file.get(), text, static_cast<std::size_t>(length)) == length;
}

}  // namespace

SessionCgroup::SessionCgroup(std::string path, UniqueFd directory, UniqueFd events)
    : path_(std::move(path)), directory_(std::move(directory)), events_(std::move(events)) {}

SessionCgroup::~SessionCgroup() {
    if (removed_ || !directory_) return;
    kill();
    if (::rmdir(path_.c_str()) != 0 && errno != ENOENT) {
        // Still emptying: the next server's start-up removes it.
        spdlog::debug("session cgroup {} left: {}", path_, std::strerror(errno));
    }
}

void SessionCgroup::kill() const {
    if (!write_text(path_ + "/cgroup.kill", "1")) {
        spdlog::warn("could not kill session cgroup {}: write cgroup.kill: {}", path_,
                     std::strerror(errno));
    }
}

bool SessionCgroup::populated() const {
    char text[256];
    const ssize_t length = ::pread(events_.get(), text, sizeof text - 1, 0);
    if (length <= 0) return false;
    text[length] = '\0';
    return std::strstr(text, "populated 1") != nullptr;
}

ring::Task<void> SessionCgroup::remove(ring::Ring& ring, std::chrono::nanoseconds limit) {
    removed_ = true;
    kill();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (populated()) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) break;
        // cgroup.events reports POLLPRI when "populated" changes.
        const ring::IoResult ready =
            co_await ring::with_deadline(ring, left, ring::Poll(ring, events_.get(), POLLPRI));
        if (!ready && !ready.timed_out()) break;
    }
    if (::rmdir(path_.c_str()) != 0 && errno != ENOENT) {
        spdlog::warn("session cgroup {} not removed: rmdir: {} (a process in it did not die)",
                     path_, std::strerror(errno));
    }
}

std::optional<SessionCgroups> SessionCgroups::find(CgroupChoice choice, std::string& why_not) {
    if (choice == CgroupChoice::kOff) {
        why_not = "--session-cgroups off";
        return std::nullopt;
    }
    const auto refuse = [&](std::string why) -> std::optional<SessionCgroups> {
        if (choice == CgroupChoice::kOn) throw std::runtime_error("--session-cgroups on: " + why);
        why_not = std::move(why);
        return std::nullopt;
    };
    if (!clone3_available()) return refuse("clone3 is not supported on this architecture");
    const auto mount = cgroup2_mount();
    const auto own = own_cgroup();
    if (!mount || !own) return refuse("no cgroup v2 hierarchy");
    const auto& [mountpoint, root] = *mount;
    std::string relative = *own;
    if (root != "/" && relative.rfind(root, 0) == 0) relative = relative.substr(root.size());
    if (relative.empty() || relative == "/") return refuse("the server is in the root cgroup");
    const std::string path = mountpoint + relative;
    if (::access((path + "/cgroup.kill").c_str(), F_OK) != 0) {
        return refuse("no cgroup.kill in " + path + " (needs Linux 5.14)");
    }
    const bool writable =
        ::access(path.c_str(), W_OK) == 0 && ::access((path + "/cgroup.procs").c_str(), W_OK) == 0;
    if (!writable) return refuse(path + " is not writable by the server");
    const bool delegated = marked_delegated(path) || ::geteuid() != 0;
    if (choice == CgroupChoice::kAuto && !delegated) {
        return refuse(path + " is not delegated to the server (systemd Delegate=yes)");
    }
    return SessionCgroups(path);
}

std::vector<std::string> SessionCgroups::remove_stale() const {
    std::vector<std::string> errors;
    DIR* dir = ::opendir(path_.c_str());
    if (dir == nullptr) return {"opendir " + path_ + ": " + std::strerror(errno)};
    std::vector<std::string> stale;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (!name.starts_with(kPrefix)) continue;
        // bro-session-<pid>-<id>: another live server's sessions are not stale.
        const std::string_view rest = name.substr(std::strlen(kPrefix));
        pid_t pid = 0;
        std::from_chars(rest.data(), rest.data() + rest.size(), pid);
        if (pid > 0 && !process_gone(pid)) continue;
        stale.push_back(path_ + "/" + std::string(name));
    }
    ::closedir(dir);
    for (const auto& path : stale) {
        write_text(path + "/cgroup.kill", "1");
        // Killed processes leave within milliseconds; give them a bounded while.
        for (int attempt = 0; attempt < 100 && ::rmdir(path.c_str()) != 0 && errno == EBUSY;
             ++attempt) {
            ::usleep(10'000);
        }
        if (::access(path.c_str(), F_OK) == 0) {
            errors.push_back("rmdir " + path + ": " + std::strerror(errno));
        } else {
            spdlog::info("removed stale session cgroup {} (its server is gone)", path);
        }
    }
    return errors;
}

std::optional<SessionCgroup> SessionCgroups::create(std::uint64_t id) const {
    const std::string path =
        path_ + "/" + kPrefix + std::to_string(::getpid()) + "-" + std::to_string(id);
    if (::mkdir(path.c_str(), 0755) != 0) {
        spdlog::warn("session {}: mkdir {}: {}; running without a session cgroup", id, path,
                     std::strerror(errno));
        return std::nullopt;
    }
    UniqueFd directory(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    UniqueFd events(::open((path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    if (!directory || !events) {
        spdlog::warn("session {}: open {}: {}; running without a session cgroup", id, path,
                     std::strerror(errno));
        ::rmdir(path.c_str());
        return std::nullopt;
    }
    return SessionCgroup(path, std::move(directory), std::move(events));
}

}  // namespace bro::server
