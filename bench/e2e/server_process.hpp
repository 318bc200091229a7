#pragma once
// The servers the arms call: bro-server in either mode, and the s6 peer, each a process
// listening on a UNIX socket in the bench's temp dir.

#include <sys/types.h>

#include <string>
#include <vector>

namespace bro::e2e {

// bro-server's argv. fd_passing: the server accepts only fd-passing requests (--fd-passing);
// otherwise only content mode (the server's default).
std::vector<std::string> bro_server_argv(const std::string& server_path,
                                         const std::string& executable,
                                         const std::string& socket_path, bool fd_passing);

// The peer the issue compares with: s6-ipcserver accepting on the socket, s6-sudod running the
// command per connection, s6-sudo as the client (Debian's s6 package; tools/setup installs it).
inline constexpr const char* kS6Sudo = "/usr/bin/s6-sudo";
std::vector<std::string> s6_server_argv(const std::string& executable,
                                        const std::string& socket_path);

// A server process listening on a UNIX socket, stopped with SIGTERM. The constructor returns
// once the socket accepts connections.
class ServerProcess {
  public:
    ServerProcess(std::vector<std::string> args, std::string socket_path);
    ~ServerProcess() { stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    const std::string& socket_path() const { return socket_path_; }
    pid_t pid() const { return pid_; }

  private:
    void stop();
    void wait_until_listening();

    std::string socket_path_;
    pid_t pid_ = -1;
};

}  // namespace bro::e2e
