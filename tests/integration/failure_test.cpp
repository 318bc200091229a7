// What happens when things go wrong: no server, a tool that cannot start, clients that
// vanish mid-request or mid-run. The server must keep serving everyone else.

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "bro_fixture.hpp"
#include "raw_connection.hpp"

namespace bro::test {
namespace {

class Failure : public ::testing::Test {
  protected:
    TempDir dir;
};

int connect_raw(const std::string& path) {
    const int fd = connect_unix_socket(path);
    EXPECT_GE(fd, 0) << "connect " << path << ": " << std::strerror(errno);
    return fd;
}

bool process_alive(pid_t pid) {
    return kill(pid, 0) == 0;
}

TEST_F(Failure, MissingSocketPathVariableGivesOneClearLineAnd125) {
    ProcessOptions options;
    options.argv = {client_binary(), "x"};
    options.environment = {"PATH=/usr/bin:/bin"};
    const auto result = run_process(options);
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("BRO_SOCKET_PATH"), std::string::npos) << result.err;
}

TEST_F(Failure, UnreachableSocketNamesThePathAndErrno) {
    const std::string path = dir.path() + "/nobody.sock";
    const auto result = run_client(path, {});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("ENOENT"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST_F(Failure, BroLogDebugMakesTheClientExplainItself) {
    BroServer server(dir, "/bin/echo");
    const auto quiet = run_client(server, {.args = {"x"}});
    EXPECT_EQ(quiet.err, "");
    const auto loud = run_client(server, {.args = {"x"}, .environment = {"BRO_LOG=debug"}});
    EXPECT_EQ(loud.out, "x\n");
    EXPECT_NE(loud.err.find("bro-client"), std::string::npos) << loud.err;
    EXPECT_NE(loud.err.find(server.socket_path()), std::string::npos) << loud.err;
}

TEST_F(Failure, ExecutableRemovedAfterStartGives127WithTheFailingStep) {
    const auto script = dir.write_script("vanishing", "exit 0");
    BroServer server(dir, script);
    ASSERT_EQ(unlink(script.c_str()), 0);
    const auto result = run_client(server, {});
    EXPECT_EQ(result.exit_code(), 127);
    EXPECT_NE(result.err.find("execve"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("No such file"), std::string::npos) << result.err;
}

TEST_F(Failure, ExecutableThatCannotBeExecutedGives126) {
    const auto script = dir.write_script("unexecutable", "exit 0");
    BroServer server(dir, script);
    ASSERT_EQ(chmod(script.c_str(), 0644), 0);
    const auto result = run_client(server, {});
    EXPECT_EQ(result.exit_code(), 126) << result.err;
}

TEST_F(Failure, ClientDisconnectingMidRequestDoesNotDisturbOthers) {
    BroServer server(dir, "/bin/echo");
    for (int cut : {1, 3, 5, 9, 20}) {
        const int fd = connect_raw(server.socket_path());
        // A Request frame header announcing 200 bytes, then only part of it.
        const unsigned char partial[] = {0x01, 0, 0, 0, 200, 'B', 'R', 'O', 1, 0, 0, 0, 0x12,
                                         0,    0, 0, 0, 0,   0,   0,   0,   0, 0, 0, 0, 0};
        ASSERT_EQ(write(fd, partial, std::min<std::size_t>(cut, sizeof partial)),
                  static_cast<ssize_t>(std::min<std::size_t>(cut, sizeof partial)));
        close(fd);
        const auto result = run_client(server, {.args = {"still", "served"}});
        EXPECT_EQ(result.out, "still served\n") << "after cutting at " << cut << ": " << result.err;
    }
}

TEST_F(Failure, GarbageRequestGetsAnErrorFrameAndTheServerKeepsServing) {
    BroServer server(dir, "/bin/echo");
    const int fd = connect_raw(server.socket_path());
    const unsigned char garbage[] = {0x01, 0, 0, 0, 4, 'N', 'O', 'P', 'E'};
    ASSERT_EQ(write(fd, garbage, sizeof garbage), static_cast<ssize_t>(sizeof garbage));
    unsigned char reply[256];
    const ssize_t n = read(fd, reply, sizeof reply);
    close(fd);
    ASSERT_GT(n, 5);
    EXPECT_EQ(reply[0], 0x84) << "expected an Error frame";
    EXPECT_EQ(run_client(server, {.args = {"ok"}}).out, "ok\n");
    EXPECT_NE(server.log().find("bad magic"), std::string::npos) << server.log();
}

TEST_F(Failure, KilledClientGetsItsRunningChildKilledAndReaped) {
    const auto pid_file = dir.path() + "/child.pid";
    BroServer server(dir, dir.write_script("sleeper", "[ \"$1\" = quick ] && exit 0; echo $$ > '" +
                                                          pid_file + "'; exec sleep 300"));
    ProcessOptions options;
    options.argv = {client_binary()};
    options.environment = {"BRO_SOCKET_PATH=" + server.socket_path()};
    const pid_t client =
        start_background(options.argv, options.environment, dir.path() + "/client.log");
    ASSERT_TRUE(eventually([&] { return !read_file(pid_file).empty(); }, std::chrono::seconds(10)));
    const pid_t child = std::stoi(read_file(pid_file));
    ASSERT_TRUE(process_alive(child));
    kill(client, SIGKILL);
    wait_with_deadline(client, std::chrono::seconds(5));
    EXPECT_TRUE(eventually([&] { return !process_alive(child); }, std::chrono::seconds(10)))
        << "the child outlived its client";
    EXPECT_EQ(run_client(server, {.args = {"quick"}}).exit_code(), 0);
}

TEST_F(Failure, ServerFdCountReturnsToBaselineAfterManySessions) {
    BroServer server(dir, "/bin/cat");
    const auto file = dir.write_file("f", "content");
    run_client(server, {.args = {file}, .stdin_data = "warm-up"});
    const int baseline = settled_fd_count(server.pid());
    for (int i = 0; i < 200; ++i) {
        run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}, .stdin_data = "x"});
    }
    EXPECT_TRUE(eventually([&] { return open_fd_count(server.pid()) == baseline; },
                           std::chrono::seconds(5)))
        << "baseline " << baseline << ", now " << open_fd_count(server.pid());
}

TEST_F(Failure, SigtermStopsTheServerCleanlyAndRemovesTheSocket) {
    BroServer server(dir, "/bin/true");
    const std::string socket = server.socket_path();
    const int status = server.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_NE(access(socket.c_str(), F_OK), 0) << "socket file left behind";
}

}  // namespace
}  // namespace bro::test
