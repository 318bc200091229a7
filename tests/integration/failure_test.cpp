// What happens when things go wrong: no server, a tool that cannot start, clients that
// vanish mid-request or mid-run. The server must keep serving everyone else.

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <variant>

#include "bro_fixture.hpp"
#include "core/socket_address.hpp"
#include "core/unique_fd.hpp"
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

// A server that stopped accepting (SIGSTOP, a hang, overload) lets its listen queue fill up;
// here a socket listens with a backlog of 0 and one connection already waits in it, so every
// further connect() finds the queue full. The client must give up after BRO_CONNECT_TIMEOUT
// rather than wait for room forever.
TEST_F(Failure, AServerWhoseListenQueueStaysFullMakesTheClientGiveUpAfterTheConnectTimeout) {
    const std::string path = dir.path() + "/full.sock";
    const UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto address = std::get<SocketAddress>(socket_address_for(path));
    ASSERT_EQ(bind(listener.get(), address.get(), address.length), 0) << std::strerror(errno);
    ASSERT_EQ(listen(listener.get(), 0), 0) << std::strerror(errno);
    const UniqueFd waiting(connect_raw(path));  // fills the queue; never accepted
    ASSERT_TRUE(waiting.valid());

    const auto started = std::chrono::steady_clock::now();
    const auto result = run_client(path, {.args = {"x"},
                                          .environment = {"BRO_CONNECT_TIMEOUT=1"},
                                          .timeout = std::chrono::seconds(30),
                                          .prefix = {"/usr/bin/timeout", "-k", "5", "20"}});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code(), 125) << result.err;
    EXPECT_EQ(result.err, "bro-client: the server at " + path +
                              " is not accepting connections: its listen queue stayed full for 1 "
                              "s; check that bro-server is running and not stopped, hung or "
                              "overloaded (or raise BRO_CONNECT_TIMEOUT)\n");
    EXPECT_GE(took, std::chrono::milliseconds(900)) << "gave up before the timeout";
    EXPECT_LT(took, std::chrono::seconds(10)) << "waited far beyond BRO_CONNECT_TIMEOUT=1";
}

TEST_F(Failure, AConnectTimeoutThatIsNotAWholeNumberOfSecondsIsRefused) {
    for (const std::string value : {"0", "1.5", "-1", "3601", "ten"}) {
        const auto result = run_client(dir.path() + "/unused.sock",
                                       {.environment = {"BRO_CONNECT_TIMEOUT=" + value}});
        EXPECT_EQ(result.exit_code(), 125) << value;
        EXPECT_EQ(result.err, "bro-client: BRO_CONNECT_TIMEOUT is \"" + value +
                                  "\"; use a whole number of seconds from 1 to 3600 (or leave it "
                                  "unset for 10)\n");
    }
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
