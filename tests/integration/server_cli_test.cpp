// bro-server's command line: help, version, required flags, socket handling, systemd.

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class ServerCli : public ::testing::Test {
  protected:
    TempDir dir;
    static ProcessResult server(const std::vector<std::string>& args) { return run_server(args); }
};

TEST_F(ServerCli, HelpListsEveryFlagWithItsEnvironmentVariable) {
    const auto result = server({"--help"});
    EXPECT_EQ(result.exit_code(), 0);
    for (const char* text :
         {"--executable", "--socket-path", "--systemd-socket", "--fd-passing", "--allowed-env",
          "--inherit-env", "--log-level", "--tmpdir", "BRO_SERVER_EXECUTABLE",
          "BRO_SERVER_SOCKET_PATH", "BRO_SERVER_ALLOWED_ENV", "BRO_SERVER_INHERIT_ENV"}) {
        EXPECT_NE(result.out.find(text), std::string::npos) << text;
    }
}

TEST_F(ServerCli, VersionIsPrinted) {
    const auto result = server({"--version"});
    EXPECT_EQ(result.exit_code(), 0);
    EXPECT_EQ(result.out.rfind("bro-server ", 0), 0u) << result.out;
}

TEST_F(ServerCli, MissingExecutableIsAUsageError) {
    const auto result = server({"--socket-path", dir.path() + "/s"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--executable is required"), std::string::npos) << result.err;
}

TEST_F(ServerCli, NonExecutableExecutableIsRefusedAtStart) {
    const auto result =
        server({"--executable", dir.path() + "/missing", "--socket-path", dir.path() + "/s"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("missing"), std::string::npos) << result.err;
}

TEST_F(ServerCli, RefusesToReplaceAFileThatIsNotASocket) {
    const auto precious = dir.write_file("precious", "keep me");
    const auto result = server({"--executable", "/bin/true", "--socket-path", precious});
    EXPECT_NE(result.exit_code(), 0);
    EXPECT_NE(result.err.find("not a socket"), std::string::npos) << result.err;
    EXPECT_EQ(read_file(precious), "keep me");
}

TEST_F(ServerCli, ReplacesAStaleSocketLeftByACrashedServer) {
    {
        BroServer crashed(dir, "/bin/echo");
        kill(crashed.pid(), SIGKILL);
        crashed.stop();
        // The stale socket file is left behind by the SIGKILL.
    }
    BroServer server(dir, "/bin/echo");
    EXPECT_EQ(run_client(server, {.args = {"hi"}}).out, "hi\n");
}

TEST_F(ServerCli, UnknownTransferModeIsAUsageError) {
    const auto result = server({"--executable", "/bin/true", "--socket-path", dir.path() + "/s",
                                "--transfer-modes", "content,telepathy"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("telepathy"), std::string::npos) << result.err;
}

TEST_F(ServerCli, SystemdSocketWithoutActivationSaysWhatToDo) {
    const auto result = server({"--executable", "/bin/true", "--systemd-socket"});
    EXPECT_NE(result.exit_code(), 0);
    EXPECT_NE(result.err.find("LISTEN_FDS"), std::string::npos) << result.err;
}

TEST_F(ServerCli, SocketActivationWithSystemdSocketActivateServesClients) {
    const char* activate = "/usr/bin/systemd-socket-activate";
    if (access(activate, X_OK) != 0)
        GTEST_SKIP() << activate << " is not installed (package systemd)";
    const std::string socket = dir.path() + "/activated.sock";
    const pid_t pid = start_background({activate, "-l", socket, server_binary(), "--systemd-socket",
                                        "--executable", "/bin/echo", "--log-level", "debug"},
                                       {"PATH=/usr/bin:/bin"}, dir.path() + "/activate.log");
    const bool listening = eventually(
        [&] {
            struct stat st {};
            return stat(socket.c_str(), &st) == 0;
        },
        std::chrono::seconds(5));
    ASSERT_TRUE(listening) << read_file(dir.path() + "/activate.log");
    // The path exists from bind(), a moment before listen(): until then a call is refused.
    ProcessResult first;
    eventually(
        [&] {
            first = run_client(socket, {.args = {"activated"}});
            return first.exit_code() == 0;
        },
        std::chrono::seconds(2));
    const auto second = run_client(socket, {.args = {"again"}});
    kill(pid, SIGTERM);
    wait_with_deadline(pid, std::chrono::seconds(10));
    EXPECT_EQ(first.out, "activated\n") << first.err << read_file(dir.path() + "/activate.log");
    EXPECT_EQ(second.out, "again\n") << second.err;
}

// Under systemd, stderr is the journal (JOURNAL_STREAM names its device and inode): each line
// carries its priority for the journal, and no timestamp of its own.
TEST_F(ServerCli, LinesToTheJournalCarryItsPrioritiesAndNoTimestamp) {
    const std::string log = dir.write_file("journal", "");
    struct stat st {};
    ASSERT_EQ(stat(log.c_str(), &st), 0);
    const std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    const std::string socket = dir.path() + "/s";
    const pid_t pid = start_background({server_binary(), "--executable", "/bin/true",
                                        "--socket-path", socket, "--allowed-env", "LD_PRELOAD"},
                                       {"PATH=/usr/bin:/bin", "JOURNAL_STREAM=" + stream}, log);
    const bool serving =
        eventually([&] { return connect_succeeds(socket); }, std::chrono::seconds(10));
    kill(pid, SIGTERM);
    wait_with_deadline(pid, std::chrono::seconds(10));
    ASSERT_TRUE(serving) << read_file(log);
    const std::string text = read_file(log);
    EXPECT_NE(text.find("<6>serving /bin/true on " + socket), std::string::npos) << text;
    EXPECT_NE(text.find("<4>"), std::string::npos) << "the LD_PRELOAD warning:\n" << text;
    EXPECT_EQ(text.find("bro-server["), std::string::npos) << "a timestamped line:\n" << text;
}

// The soft limit a server gets by default (1024) holds about 60 sessions: the server raises
// its own to fit --max-sessions, and its children start with the limit it was given.
TEST_F(ServerCli, DescriptorLimitIsRaisedForTheServerAndKeptForItsChildren) {
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    // The default --max-sessions, the process's reserve and one tool's (descriptor_budget.hpp).
    constexpr rlim_t kNeeded = 16 * 1024 + 16 + 2;
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < kNeeded) {
        GTEST_SKIP() << "the hard descriptor limit " << saved.rlim_max << " is below " << kNeeded
                     << ", so the server cannot raise its own";
    }
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);  // inherited by the server started next
    BroServer server(dir, "/bin/sh");
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
    // The socket accepts connections (the server counts as started) just before the raise.
    const std::string raised = "raised the descriptor limit from 256 to 16402";
    EXPECT_TRUE(eventually([&] { return server.log().find(raised) != std::string::npos; },
                           std::chrono::seconds(10)))
        << server.log();

    std::ifstream limits("/proc/" + std::to_string(server.pid()) + "/limits");
    std::string line, server_limit;
    while (std::getline(limits, line)) {
        if (line.rfind("Max open files", 0) == 0) server_limit = line;
    }
    EXPECT_NE(server_limit.find(std::to_string(kNeeded)), std::string::npos) << server_limit;
    const auto child = run_client(server.socket_path(), {.args = {"-c", "ulimit -n"}});
    EXPECT_EQ(child.out, "256\n") << child.err;
}

}  // namespace
}  // namespace bro::test
