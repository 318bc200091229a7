#pragma once
// The servers the arms call: bro-server in either mode, and the s6 peer, each a process
// listening on a UNIX socket in the bench's temp dir.

#include <sys/types.h>

#include <string>
#include <vector>

namespace bro::e2e {

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

// Which requests a bro-server accepts: content mode only (the server's default), or
// fd-passing only (--fd-passing).
enum class ServerMode { kContent, kFdPassing };

// bro-server (`server_path`) running `executable` for callers of `socket_path`.
ServerProcess start_bro_server(const std::string& server_path, const std::string& executable,
                               const std::string& socket_path, ServerMode mode);

// The peer the issue compares with: s6-ipcserver accepting on the socket, s6-sudod running the
// command per connection, s6-sudo as the client (Debian's s6 package; tools/setup installs it).
inline constexpr const char* kS6Sudo = "/usr/bin/s6-sudo";
ServerProcess start_s6_server(const std::string& executable, const std::string& socket_path);

}  // namespace bro::e2e
