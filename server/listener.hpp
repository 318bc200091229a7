#pragma once
// The listening socket: bound to a path, or inherited from systemd socket activation.

#include <string>

#include "core/unique_fd.hpp"

namespace bro::server {

class Listener {
  public:
    // Binds `path`. A stale socket there (nobody accepting) is replaced; a live one or any
    // other kind of file is an error, so a typo can never delete a user's file.
    static Listener bind_path(const std::string& path);
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
