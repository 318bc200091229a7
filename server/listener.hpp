#pragma once
// The listening socket: bound to a path, or inherited from systemd socket activation.

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/unique_fd.hpp"

namespace bro::server {

// How a socket bound to a path is set up (--socket-mode, --socket-owner), and whether an
// abstract address may be used at all.
struct SocketSettings {
    std::optional<mode_t> mode = {};  // permission bits (0 to 0777); nullopt: 0777 & ~umask
    std::optional<uid_t> owner_uid = {};
    std::optional<gid_t> owner_gid = {};
    // An abstract address ("@name") has no file permissions: anyone on the host who shares
    // the network namespace can connect. Only allowed when an allow-list guards the server.
    bool allow_abstract = false;
};

class Listener {
  public:
    // Binds `path`. A stale socket there (nobody accepting) is replaced; a live one or any
    // other kind of file is an error, so a typo can never delete a user's file. The mode and
    // owner are applied before listen(), so no connection is accepted under other ones.
    // "@name" binds the abstract address `name` (only with settings.allow_abstract), which has
    // no file for a mode or owner: the command line refuses them together.
    static Listener bind_path(const std::string& path, const SocketSettings& settings = {});
    // Takes fd 3 from LISTEN_FDS/LISTEN_PID (sd_listen_fds protocol) and clears those
    // variables so no child inherits them.
    static Listener from_systemd();

    Listener(Listener&&) noexcept = default;
    Listener& operator=(Listener&&) noexcept = default;
    ~Listener();

    int fd() const { return fd_.get(); }
    const std::string& description() const { return description_; }

  private:
    Listener(UniqueFd fd, std::string description, std::string owned_path)
        : fd_(std::move(fd)),
          description_(std::move(description)),
          owned_path_(std::move(owned_path)) {}

    UniqueFd fd_;
    std::string description_;
    std::string owned_path_;  // unlinked on destruction when we created it
};

}  // namespace bro::server
