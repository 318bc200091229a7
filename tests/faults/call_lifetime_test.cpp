// Fault 3: what a call starts ends with the call. The program's process group is killed once
// the program has exited and its output drained; a child of a server that dies gets SIGKILL
// (PR_SET_PDEATHSIG); and where the server has a delegated cgroup, each session's cgroup is
// killed too, which reaches processes that left the group (setsid daemons).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

pid_t read_pid(const std::string& file) {
    EXPECT_TRUE(eventually([&] { return !read_file(file).empty(); }, 10s)) << file;
    const std::string text = read_file(file);
    return text.empty() ? -1 : std::stoi(text);
}

class CallLifetime : public ::testing::TestWithParam<std::string> {
  protected:
    TempDir dir;
};

// Before: a background process kept running after the call (its output redirected, so
// neither the drain nor the client waits for it).
TEST_P(CallLifetime, ABackgroundProcessEndsWithTheCall) {
    const std::string pid_file = dir.path() + "/background";
    BroServer server(dir,
                     dir.write_script("leaver", "sleep 30 >/dev/null 2>&1 & echo $! > '" +
                                                    pid_file + "'; exit 7"),
                     {"--transfer-modes", "content,fd"});
    const auto result =
        run_client(server, {.environment = {"BRO_TRANSFER_MODE=" + GetParam()}, .timeout = 20s});
    EXPECT_EQ(result.exit_code(), 7) << result.err << server.log();
    const pid_t background = read_pid(pid_file);
    ASSERT_GT(background, 0);
    const auto finished = Clock::now();
    EXPECT_TRUE(eventually([&] { return !process_running(background); }, 5s))
        << "the background sleep outlived the call";
    report_figure("call-lifetime." + GetParam() + ".background process gone after the exit (ms)",
                  milliseconds_since(finished), "ms");
    kill(background, SIGKILL);
}

// --keep-background restores the old behaviour for callers who start daemons on purpose.
TEST_P(CallLifetime, KeepBackgroundLetsABackgroundProcessLive) {
    const std::string pid_file = dir.path() + "/background";
    BroServer server(
        dir, dir.write_script("leaver", "sleep 30 >/dev/null 2>&1 & echo $! > '" + pid_file + "'"),
        {"--transfer-modes", "content,fd", "--keep-background"});
    const auto result =
        run_client(server, {.environment = {"BRO_TRANSFER_MODE=" + GetParam()}, .timeout = 20s});
    EXPECT_EQ(result.exit_code(), 0) << result.err << server.log();
    const pid_t background = read_pid(pid_file);
    ASSERT_GT(background, 0);
    EXPECT_TRUE(process_running(background));
    kill(background, SIGKILL);
}

INSTANTIATE_TEST_SUITE_P(BothModes, CallLifetime, ::testing::Values("content", "fd"));

// Before: `sleep 20 & exit 7` returned 7 after the drain deadline (the sleep holds stdout) and
// the sleep kept running. (Content mode: in fd mode it would hold the caller's own stdout.)
TEST(CallLifetimeAfterTheDrain, ABackgroundProcessHoldingStdoutEndsAtTheDrainDeadline) {
    TempDir dir;
    const std::string pid_file = dir.path() + "/background";
    BroServer server(dir,
                     dir.write_script("leaver", "sleep 30 & echo $! > '" + pid_file + "'; exit 7"),
                     {"--drain-timeout", "0.5"});
    const auto result = run_client(server, {.timeout = 20s});
    EXPECT_EQ(result.exit_code(), 7) << result.err << server.log();
    const pid_t background = read_pid(pid_file);
    ASSERT_GT(background, 0);
    EXPECT_TRUE(eventually([&] { return !process_running(background); }, 5s))
        << "the background sleep outlived the call";
    kill(background, SIGKILL);
}

// Before: a SIGKILLed server orphaned its running child to PID 1.
TEST(ServerDeath, AServerKilledMidCallLeavesNoOrphan) {
    TempDir dir;
    const std::string pid_file = dir.path() + "/program";
    BroServer server(dir, dir.write_script("long", "echo $$ > '" + pid_file + "'; exec sleep 30"));
    const pid_t client = start_background(
        {client_binary()}, {"BRO_SOCKET_PATH=" + server.socket_path()}, dir.path() + "/client.log");
    const pid_t program = read_pid(pid_file);
    ASSERT_GT(program, 0);
    kill(server.pid(), SIGKILL);
    const auto killed_at = Clock::now();
    EXPECT_TRUE(eventually([&] { return !process_running(program); }, 5s))
        << "the program outlived its server";
    report_figure("server-death.program gone after the server's SIGKILL (ms)",
                  milliseconds_since(killed_at), "ms");
    kill(program, SIGKILL);
    const auto status = wait_with_deadline(client, 10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 125) << *status;
}

// A cgroup of its own, delegated, for the server, and a program that starts a `setsid` daemon,
// which writes its pid to pid_file, and exits.
class SessionCgroup : public ::testing::Test {
  protected:
    void SetUp() override {
        BRO_SKIP_UNLESS_ROOT("making a cgroup for the server");
        if (!TestCgroup::unified_mount()) GTEST_SKIP() << "needs a cgroup v2 hierarchy";
        const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        cgroup.emplace("bro-fault-" + test);
        ASSERT_TRUE(cgroup->mark_delegated()) << "setxattr trusted.delegate";
    }

    std::string daemonizer() const {
        return dir.write_script("daemonizer", "setsid sh -c 'echo $$ > \"" + pid_file +
                                                  "\"; exec sleep 30' </dev/null >/dev/null "
                                                  "2>&1 &\nwhile [ ! -s '" +
                                                  pid_file + "' ]; do sleep 0.01; done");
    }

    TempDir dir;
    std::optional<TestCgroup> cgroup;
    const std::string pid_file = dir.path() + "/daemon";
};

// Before: a `setsid` daemon left the process group and nothing reached it.
TEST_F(SessionCgroup, ADaemonThatLeftTheProcessGroupEndsWithTheCall) {
    BroServer server(dir, daemonizer(), {"--transfer-modes", "content,fd"}, {},
                     cgroup->enter_prefix());
    for (const std::string mode : {"content", "fd"}) {
        std::remove(pid_file.c_str());
        const auto result =
            run_client(server, {.environment = {"BRO_TRANSFER_MODE=" + mode}, .timeout = 20s});
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err << server.log();
        const pid_t daemon = read_pid(pid_file);
        ASSERT_GT(daemon, 0);
        EXPECT_TRUE(eventually([&] { return !process_running(daemon); }, 5s))
            << mode << ": the daemon outlived the call\n"
            << server.log();
        kill(daemon, SIGKILL);
    }
    EXPECT_TRUE(wait_for_log(server, "session cgroups under " + cgroup->path())) << server.log();
}

// One process serving two tools of a config file: each tool's Server makes its sessions'
// cgroups in the same delegated directory (names carry the session id, unique across tools),
// and neither takes the other's for stale.
TEST_F(SessionCgroup, EveryToolOfOneProcessEndsTheDaemonsOfItsCalls) {
    const std::string program = daemonizer();
    std::string config;
    for (const std::string tool : {"first", "second"}) {
        config += "[tool." + tool + "]\nexecutable = \"" + program + "\"\nsocket-path = \"" +
                  dir.path() + "/" + tool + ".sock\"\ntmpdir = \"" + dir.path() + "\"\n";
    }
    std::vector<std::string> argv = cgroup->enter_prefix();
    argv.insert(argv.end(), {server_binary(), "--config", dir.write_file("bro.toml", config)});
    const std::string log = dir.path() + "/server.log";
    const pid_t server = start_background(argv, {"PATH=/usr/bin:/bin"}, log);
    // A failed ASSERT must not leave the server running.
    struct Reaper {
        pid_t pid;
        ~Reaper() {
            if (pid <= 0) return;
            kill(pid, SIGKILL);
            wait_with_deadline(pid, 10s);
        }
    } reaper{server};
    for (const std::string tool : {"first", "second"}) {
        const std::string socket = dir.path() + "/" + tool + ".sock";
        ASSERT_TRUE(eventually([&] { return connect_succeeds(socket); }, 10s)) << read_file(log);
        std::remove(pid_file.c_str());
        const auto result = run_client(socket, {.timeout = 20s});
        EXPECT_EQ(result.exit_code(), 0) << tool << ": " << result.err << read_file(log);
        const pid_t daemon = read_pid(pid_file);
        ASSERT_GT(daemon, 0);
        EXPECT_TRUE(eventually([&] { return !process_running(daemon); }, 5s))
            << tool << ": the daemon outlived the call\n"
            << read_file(log);
        kill(daemon, SIGKILL);
        EXPECT_NE(read_file(log).find(tool + ": session cgroups under " + cgroup->path()),
                  std::string::npos)
            << read_file(log);
    }
    kill(server, SIGTERM);
    const auto status = wait_with_deadline(server, 10s);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
    reaper.pid = -1;
}

}  // namespace
}  // namespace bro::test
