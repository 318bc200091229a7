// A server restarted under socket activation while callers loop, and a --tmpdir that is full:
// no call hangs, and every call either runs or fails with 125 and a reason.

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

// A listening socket held by the test, as systemd holds a .socket unit's, handed to each
// server it starts the way systemd does (fd 3, LISTEN_FDS=1, LISTEN_PID).
class SocketActivation {
  public:
    explicit SocketActivation(const std::string& path) : path_(path) {
        listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            listen(listener_, 128) != 0) {
            throw std::runtime_error("bind/listen " + path);
        }
    }
    ~SocketActivation() { close(listener_); }

    pid_t start_server(const std::vector<std::string>& flags, const std::string& log) {
        std::vector<std::string> argv = {server_binary(), "--systemd-socket", "--log-level",
                                         "debug"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        const pid_t pid = fork();
        if (pid == 0) {
            char listen_pid[64], listen_fds[] = "LISTEN_FDS=1", path[] = "PATH=/usr/bin:/bin";
            snprintf(listen_pid, sizeof listen_pid, "LISTEN_PID=%d", getpid());
            char* environment[] = {listen_pid, listen_fds, path, nullptr};
            dup2(err, 2);
            // dup2 clears close-on-exec on the copy, but onto itself it changes nothing.
            if (listener_ == 3) {
                fcntl(3, F_SETFD, 0);
            } else {
                dup2(listener_, 3);
            }
            execve(args[0], args.data(), environment);
            _exit(127);
        }
        close(err);
        return pid;
    }

  private:
    std::string path_;
    int listener_ = -1;
};

TEST(Restart, CallsDuringRestartsUnderSocketActivationRunOrFailWithAReason) {
    TempDir dir;
    const std::string socket_path = dir.path() + "/activated.sock";
    SocketActivation activation(socket_path);
    const std::string log = dir.path() + "/server.log";
    const std::vector<std::string> flags = {"--executable",
                                            dir.write_script("work", "sleep 0.05; echo done")};
    pid_t server = activation.start_server(flags, log);

    std::atomic<bool> looping{true};
    std::atomic<int> ran{0}, refused{0};
    std::vector<std::string> failures;
    std::mutex failures_mutex;
    std::vector<std::thread> callers;
    // Whatever way the test ends, the callers stop and the last server goes.
    struct Finish {
        std::atomic<bool>& looping;
        std::vector<std::thread>& callers;
        pid_t& server;
        ~Finish() {
            looping = false;
            for (auto& caller : callers) caller.join();
            kill(server, SIGTERM);
            wait_with_deadline(server, 20s);
        }
    } finish{looping, callers, server};
    for (int i = 0; i < 3; ++i) {
        callers.emplace_back([&] {
            while (looping) {
                // Content mode: an fd-mode request parks the client's stdout in the listen
                // queue, where a killed client's pipe would outlive it.
                const auto result = run_client(
                    socket_path, {.environment = {"BRO_TRANSFER_MODE=content"}, .timeout = 30s});
                const bool one_line_reason =
                    result.exit_code() == 125 && result.err.rfind("bro-client: ", 0) == 0;
                if (result.exit_code() == 0 && result.out == "done\n") {
                    ++ran;
                } else if (one_line_reason) {
                    ++refused;
                } else {
                    const std::lock_guard lock(failures_mutex);
                    failures.push_back((result.timed_out ? "hung: " : "") +
                                       std::to_string(result.wait_status) + " " + result.err);
                }
            }
        });
    }
    for (int restart = 0; restart < 3; ++restart) {
        const int before = ran.load();
        eventually([&] { return ran.load() >= before + 5; }, 20s);
        kill(server, SIGTERM);
        ASSERT_TRUE(wait_with_deadline(server, 20s)) << "the server did not stop\n"
                                                     << read_file(log);
        server = activation.start_server(flags, log);
    }
    const int before = ran.load();
    eventually([&] { return ran.load() >= before + 5; }, 20s);
    looping = false;
    for (auto& caller : callers) caller.join();
    callers.clear();
    report_figure("restart.calls that ran across 3 restarts", ran.load(), "calls");
    report_figure("restart.calls refused with a reason", refused.load(), "calls");
    EXPECT_TRUE(failures.empty()) << failures.size()
                                  << " calls ended otherwise, first: " << failures.front();
    EXPECT_GT(ran.load(), 20);
}

// ENOSPC in --tmpdir: the upload fails, the caller is told why (125), nothing is left behind
// and the next call runs.
TEST(FullTmpdir, AnUploadThatDoesNotFitIsRefusedWithTheReason) {
    BRO_SKIP_UNLESS_ROOT("mounting a small tmpfs as --tmpdir");
    TempDir dir, tmp;
    ASSERT_EQ(mount("tmpfs", tmp.path().c_str(), "tmpfs", 0, "size=1m,mode=0755"), 0);
    struct Unmount {
        std::string path;
        ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
    } unmount{tmp.path()};
    BroServer server(dir, "/usr/bin/wc", {"--tmpdir", tmp.path()});
    const std::string big = dir.write_file("big", random_bytes(4 << 20, 1));
    const auto result =
        run_client(server, {.args = {"-c", big}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(result.exit_code(), 125) << result.err;
    EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
    EXPECT_TRUE(eventually([&] { return entries_of(tmp.path()).empty(); }, 10s));
    const std::string small = dir.write_file("small", "four");
    const auto after =
        run_client(server, {.args = {"-c", small}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(after.exit_code(), 0) << after.err;
}

}  // namespace
}  // namespace bro::test
