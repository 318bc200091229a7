#include "bench/e2e/server_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/spawn.hpp"
#include "bench/e2e/unix_socket.hpp"

namespace bro::e2e {
namespace {

std::vector<std::string> bro_server_argv(const std::string& server_path,
                                         const std::string& executable,
                                         const std::string& socket_path, ServerMode mode) {
    std::vector<std::string> args = {server_path, "--executable", executable, "--socket-path",
                                     socket_path, "--log-level",  "warn"};
    // Every caller here is the bench's own uid, and the footprint holds 1000 idle connections:
    // above the default --max-sessions-per-uid (512).
    for (const char* flag : {"--max-sessions", "--max-sessions-per-uid"}) {
        args.insert(args.end(), {flag, "2048"});
    }
    if (mode == ServerMode::kFdPassing) args.emplace_back("--fd-passing");
    return args;
}

std::vector<std::string> s6_server_argv(const std::string& executable,
                                        const std::string& socket_path) {
    for (const char* program : {"/usr/bin/s6-ipcserver", "/usr/bin/s6-sudod", kS6Sudo}) {
        if (access(program, X_OK) != 0) {
            fail(std::string(program) + " is missing: install Debian's s6 package (tools/setup)");
        }
    }
    return {"/usr/bin/s6-ipcserver", socket_path, "/usr/bin/s6-sudod", executable};
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> args, std::string socket_path)
    : socket_path_(std::move(socket_path)) {
    const Argv argv(std::move(args));
    const Environment env({});
    pid_ = spawn(argv, env, {});
    try {
        wait_until_listening();
    } catch (...) {
        stop();
        throw;
    }
}

void ServerProcess::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    unlink(socket_path_.c_str());
}

void ServerProcess::wait_until_listening() {
    const double deadline = now_seconds() + 10;
    while (now_seconds() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            fail("the server for " + socket_path_ + " exited during start-up");
        }
        const int fd = connect_unix_socket(socket_path_);
        if (fd >= 0) {
            close(fd);  // the server sees a connection that sends nothing and closes: harmless
            return;
        }
        usleep(10'000);
    }
    fail("bro-server did not start listening on " + socket_path_);
}

ServerProcess start_bro_server(const std::string& server_path, const std::string& executable,
                               const std::string& socket_path, ServerMode mode) {
    return ServerProcess(bro_server_argv(server_path, executable, socket_path, mode), socket_path);
}

ServerProcess start_s6_server(const std::string& executable, const std::string& socket_path) {
    return ServerProcess(s6_server_argv(executable, socket_path), socket_path);
}

}  // namespace bro::e2e
