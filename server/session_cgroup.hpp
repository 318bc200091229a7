#pragma once
// A cgroup v2 per session, where the server has a cgroup subtree of its own (systemd
// Delegate=yes): the program starts inside it (clone3 CLONE_INTO_CGROUP), so everything it
// starts stays inside, even a daemon that left its process group with setsid(). When the call
// ends, cgroup.kill (Linux 5.14) ends them all and the cgroup is removed once empty.
//
// The server's own cgroup is delegated when systemd marked it so (the trusted.delegate or
// user.delegate extended attribute, systemd 251 on), or, for a server that is not root, when
// the server may write it; --session-cgroups on uses it regardless, off never.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace bro::server {

enum class CgroupChoice { kAuto, kOn, kOff };

class SessionCgroup {
  public:
    SessionCgroup(std::string path, UniqueFd directory, UniqueFd events);
    SessionCgroup(SessionCgroup&&) noexcept = default;
    SessionCgroup& operator=(SessionCgroup&&) = delete;
    // Kills what is left and removes the cgroup if it is already empty.
    ~SessionCgroup();

    // For clone3's CLONE_INTO_CGROUP.
    int fd() const { return directory_.get(); }
    const std::string& path() const { return path_; }
    // SIGKILL to every process in it (cgroup.kill).
    void kill() const;
    // Kills what is left, waits (at most `limit`) until it is empty, and removes it; a cgroup
    // that does not empty in time (a process stuck in the kernel) is left and logged.
    ring::Task<void> remove(ring::Ring& ring, std::chrono::nanoseconds limit);

  private:
    bool populated() const;

    std::string path_;
    UniqueFd directory_;
    UniqueFd events_;  // cgroup.events: POLLPRI when "populated" changes
    bool removed_ = false;
};

class SessionCgroups {
  public:
    // The delegated cgroup to make session cgroups in, by the rule above; nullopt (with the
    // reason in `why_not`) when there is none. Throws std::runtime_error for `kOn` without one.
    static std::optional<SessionCgroups> find(CgroupChoice choice, std::string& why_not);

    const std::string& path() const { return path_; }
    // Kills and removes the session cgroups a server that died left here. Errors are returned
    // for the log.
    std::vector<std::string> remove_stale() const;
    // A new cgroup for session `id`; nullopt (after logging why) when it cannot be made, and
    // the session then runs without one.
    std::optional<SessionCgroup> create(std::uint64_t id) const;

  private:
    explicit SessionCgroups(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace bro::server
