// How bro-server starts: fault 9 (a root server without --user or --as-peer is a confused
// deputy, and must say so), and a kernel or sandbox that refuses io_uring, which the server
// must explain in one line with the reason and the fix.

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

int lines_containing(const std::string& text, const std::string& needle) {
    std::istringstream lines(text);
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.find(needle) != std::string::npos) ++count;
    }
    return count;
}

// Before: nothing was said, and a caller's unreadable path reached the program as text, which
// opened it as root (cat printed /etc/shadow to nobody).
TEST(ServerStart, ARootServerWithoutAnIdentityWarns) {
    BRO_SKIP_UNLESS_ROOT("a server running as root");
    TempDir dir;
    {
        BroServer server(dir, "/bin/true");
        EXPECT_TRUE(wait_for_log(server, "runs programs as root")) << server.log();
    }
    BroServer confined(dir, "/bin/true", {"--user", "nobody"});
    EXPECT_EQ(confined.log().find("runs programs as root"), std::string::npos) << confined.log();
}

// Runs bro-server with io_uring_setup refused by a seccomp filter, as a container runtime's
// profile or systemd's SystemCallFilter= would; returns its exit status and stderr.
std::pair<int, std::string> run_server_without_io_uring(const TempDir& dir) {
    const std::string log = dir.path() + "/server.log";
    std::vector<std::string> argv = {server_binary(), "--executable", "/bin/true", "--socket-path",
                                     dir.path() + "/s.sock"};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    char path_variable[] = "PATH=/usr/bin:/bin";
    char* environment[] = {path_variable, nullptr};
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{sizeof filter / sizeof filter[0], filter};
    const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(err, 2);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
            _exit(90);
        }
        execve(args[0], args.data(), environment);
        _exit(91);
    }
    close(err);
    const auto status = wait_with_deadline(pid, 10s);
    return {status.value_or(-1), read_file(log)};
}

// Before: "io_uring_queue_init_params (is io_uring disabled by kernel.io_uring_disabled or a
// seccomp filter?): Operation not permitted": a guess between two causes, and no fix.
TEST(ServerStart, RefusedIoUringIsExplainedInOneLineWithTheFix) {
    TempDir dir;
    const auto [status, err] = run_server_without_io_uring(dir);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 1) << err;
    EXPECT_EQ(lines_containing(err, "io_uring"), 1) << err;
    EXPECT_NE(err.find("kernel.io_uring_disabled is 0"), std::string::npos) << err;
    EXPECT_NE(err.find("seccomp"), std::string::npos) << err;
    EXPECT_NE(err.find("allow io_uring_setup"), std::string::npos) << err;
}

}  // namespace
}  // namespace bro::test
