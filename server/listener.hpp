#pragma once
// The listening socket of one tool: bound to a path, or inherited from systemd socket
// activation (the sockets are taken from the environment once, by SystemdSockets).

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

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
    // A listening socket systemd passed (see SystemdSockets), described as `description`.
    static Listener adopt(UniqueFd fd, std::string description);

    Listener(Listener&&) noexcept = default;
    Listener& operator=(Listener&&) noexcept = default;
    ~Listener();

    int fd() const { return fd_.get(); }
    // Makes the kernel refuse descriptors sent to this socket's connections (SO_PASSRIGHTS off,
    // inherited by accepted sockets; Linux 6.16): a content-mode server then never holds a
    // caller's descriptor, even for a moment, and a client offering fd passing gets EPERM from
    // its sendmsg(). False, with errno, where the kernel lacks the option.
    bool refuse_descriptors();
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

// The sockets systemd passed (LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES, the sd_listen_fds
// protocol), taken once per process: the variables are cleared so no child inherits them, and
// each socket is checked to be a listening AF_UNIX stream socket and made close-on-exec.
class SystemdSockets {
  public:
    // Throws std::runtime_error saying what to do when none were passed.
    static SystemdSockets from_environment();

    // The socket named `tool` (FileDescriptorName= in its .socket unit). For a command-line
    // tool (empty name), the one socket passed, whatever its name. Throws naming the names
    // that were passed when there is none to give.
    Listener take(const std::string& tool);
    // The sockets no tool took (a unit for a tool the config file lacks): their names, after
    // closing them so that no child inherits them.
    std::vector<std::string> close_unused();

  private:
    struct Passed {
        std::string name;
        UniqueFd fd;
    };
    std::vector<Passed> sockets_;
};

}  // namespace bro::server
