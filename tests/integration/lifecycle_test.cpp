// Signals and the end of a run, in both transfer modes: the caller's signals reach the
// program's process group, a vanished client's program gets SIGTERM and then SIGKILL after
// --kill-grace, and a program killed by a signal kills bro-client by the same signal.

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "bro_fixture.hpp"
#include "raw_connection.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

bool process_alive(pid_t pid) {
    return kill(pid, 0) == 0;
}

class Lifecycle : public ::testing::TestWithParam<std::string> {
  protected:
    // Starts bro-client (transfer mode GetParam()) in the background against `server`.
    pid_t start_client(const BroServer& server) {
        return start_background(
            {client_binary()},
            {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_TRANSFER_MODE=" + GetParam()},
            dir.path() + "/client.log");
    }

    // Waits for `file` to hold something, then returns it.
    std::string wait_for_file(const std::string& file) {
        EXPECT_TRUE(eventually([&] { return !read_file(file).empty(); }, 10s)) << file;
        return read_file(file);
    }

    TempDir dir;
};

TEST_P(Lifecycle, EachForwardableSignalReachesAProgramThatTrapsIt) {
    const std::string log = dir.path() + "/trapped";
    const std::string ready = dir.path() + "/ready";
    BroServer server(dir,
                     dir.write_script("trapper",
                                      "for s in INT TERM HUP QUIT USR1 USR2; do\n"
                                      "  trap \"echo $s >> '" +
                                          log +
                                          "'; [ $s = TERM ] && exit 7\" $s\n"
                                          "done\n"
                                          "echo ready > '" +
                                          ready +
                                          "'\n"
                                          "while :; do sleep 0.02; done"),
                     {"--transfer-modes", "content,fd"});
    const pid_t client = start_client(server);
    wait_for_file(ready);
    std::string expected;
    // One at a time: signals pending together may be handled in any order.
    for (const auto& [signal, name] : {std::pair{SIGINT, "INT"},
                                       {SIGHUP, "HUP"},
                                       {SIGQUIT, "QUIT"},
                                       {SIGUSR1, "USR1"},
                                       {SIGUSR2, "USR2"}}) {
        kill(client, signal);
        expected += std::string(name) + "\n";
        EXPECT_TRUE(eventually([&] { return read_file(log) == expected; }, 5s))
            << name << " did not arrive; log: " << read_file(log);
    }
    kill(client, SIGTERM);
    const auto status = wait_with_deadline(client, 10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status)) << "the client must end with the program's status";
    EXPECT_EQ(WEXITSTATUS(*status), 7);
    EXPECT_EQ(read_file(log), expected + "TERM\n")
        << read_file(dir.path() + "/client.log") << server.log();
}

// The program notes the SIGTERM and carries on; only the SIGKILL after --kill-grace ends it.
TEST_P(Lifecycle, AVanishedClientsProgramGetsSigtermThenSigkillAfterTheGrace) {
    const std::string pid_file = dir.path() + "/pid";
    const std::string got_term = dir.path() + "/got-term";
    BroServer server(
        dir,
        dir.write_script("stubborn", "trap \"echo TERM > '" + got_term + "'\" TERM; echo $$ > '" +
                                         pid_file + "'; while :; do sleep 0.02; done"),
        {"--transfer-modes", "content,fd", "--kill-grace", "1.5"});
    const pid_t client = start_client(server);
    const pid_t child = std::stoi(wait_for_file(pid_file));
    const auto killed_at = std::chrono::steady_clock::now();
    kill(client, SIGKILL);
    wait_with_deadline(client, 5s);
    EXPECT_EQ(wait_for_file(got_term), "TERM\n") << server.log();
    EXPECT_TRUE(process_alive(child)) << "SIGTERM does not end it: only SIGKILL, after 1.5 s, does";
    EXPECT_TRUE(eventually([&] { return !process_alive(child); }, 10s));
    EXPECT_GE(std::chrono::steady_clock::now() - killed_at, 1400ms);
    EXPECT_NE(server.log().find("sending SIGKILL"), std::string::npos) << server.log();
}

TEST_P(Lifecycle, AVanishedClientsProgramThatHandlesSigtermEndsAtOnce) {
    const std::string pid_file = dir.path() + "/pid";
    const std::string done = dir.path() + "/done";
    BroServer server(dir,
                     dir.write_script("polite", "trap \"echo cleaned up > '" + done +
                                                    "'; exit 0\" TERM; echo $$ > '" + pid_file +
                                                    "'; while :; do sleep 0.02; done"),
                     {"--transfer-modes", "content,fd", "--kill-grace", "30"});
    const int baseline = settled_fd_count(server.pid());
    const pid_t client = start_client(server);
    const pid_t child = std::stoi(wait_for_file(pid_file));
    kill(client, SIGKILL);
    wait_with_deadline(client, 5s);
    EXPECT_EQ(wait_for_file(done), "cleaned up\n");
    EXPECT_TRUE(eventually([&] { return !process_alive(child); }, 5s));
    // The session ends with its child, not after the 30 s grace: its descriptors are gone.
    EXPECT_TRUE(eventually([&] { return open_fd_count(server.pid()) == baseline; }, 5s))
        << "baseline " << baseline << ", now " << open_fd_count(server.pid());
}

TEST_P(Lifecycle, AProgramKilledByASignalKillsTheClientByTheSameSignal) {
    BroServer server(dir, dir.write_script("victim", "kill -$1 $$"),
                     {"--transfer-modes", "content,fd"});
    for (const std::string signal : {"TERM", "KILL", "SEGV", "USR1"}) {
        const auto result = run_client(
            server, {.args = {signal}, .environment = {"BRO_TRANSFER_MODE=" + GetParam()}});
        ASSERT_TRUE(result.signaled()) << signal << ": " << result.err;
        EXPECT_STREQ(sigabbrev_np(result.signal()), signal.c_str());
    }
}

TEST_P(Lifecycle, ARunPastTheTimeoutIsStoppedAndReportedAs124) {
    BroServer server(dir,
                     dir.write_script("slow",
                                      "[ \"$1\" = stubborn ] && trap '' TERM; sleep 30 &"
                                      " wait; while :; do sleep 0.02; done"),
                     {"--transfer-modes", "content,fd", "--timeout", "0.5", "--kill-grace", "0.5"});
    for (const std::string how : {"polite", "stubborn"}) {  // SIGTERM ends it / SIGKILL needed
        const auto started = std::chrono::steady_clock::now();
        const auto result =
            run_client(server, {.args = {how}, .environment = {"BRO_TRANSFER_MODE=" + GetParam()}});
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(result.exit_code(), 124) << how << ": " << result.err;
        EXPECT_NE(result.err.find("--timeout"), std::string::npos) << result.err;
        EXPECT_GE(took, 450ms) << how;
        EXPECT_LT(took, 5s) << how;
    }
}

// The session's copy of the file argument in `tmpdir`, once the server has created it.
std::optional<std::filesystem::path> session_copy(const std::string& tmpdir,
                                                  const std::string& name) {
    std::error_code error;  // the directory may go while it is walked
    for (auto it = std::filesystem::recursive_directory_iterator(tmpdir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (it->path().filename() == name) return it->path();
    }
    return std::nullopt;
}

std::uintmax_t size_of(const std::optional<std::filesystem::path>& path) {
    std::error_code error;
    const auto size = path ? std::filesystem::file_size(*path, error) : 0;
    return error ? 0 : size;
}

// Whether `pid` has the file `path` open. bro-client closes a file argument once it has read
// all of it, before the FileEnd frame that completes its upload.
bool holds_open(pid_t pid, const std::string& path) {
    std::error_code error;
    for (auto it =
             std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        std::error_code gone;
        if (std::filesystem::read_symlink(it->path(), gone) == path) return true;
    }
    return false;
}

// A signal that arrives while content mode still uploads a file argument waits until the
// upload is done (the server reads only file data then), instead of breaking the exchange.
// The client is held stopped (StoppedProcess) once the server has part of the file and the
// client has not read all of it, so the signal certainly comes in the middle of the upload.
TEST(ContentModeSignals, ASignalDuringAFileUploadIsSentAfterIt) {
    TempDir dir, tmp;
    constexpr std::uintmax_t kFileBytes = 1ULL << 30;
    const std::string big = dir.path() + "/big.img";
    ASSERT_EQ(truncate(dir.write_file("big.img", "").c_str(), kFileBytes), 0);  // sparse
    BroServer server(dir,
                     dir.write_script("waiter",
                                      "trap 'echo got USR1; exit 0' USR1\n"
                                      "while :; do sleep 0.02; done"),
                     {"--tmpdir", tmp.path()});
    const pid_t client = start_background(
        {client_binary(), big}, {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_FILE_ARGS=1"},
        dir.path() + "/log");
    {
        std::optional<StoppedProcess> held;
        std::uintmax_t uploaded = 0;
        bool still_reading = false;
        // Each look is made with the client stopped, so the upload cannot outrun it.
        const bool mid_upload = eventually(
            [&] {
                held.emplace(client);
                uploaded = size_of(session_copy(tmp.path(), "big.img"));
                still_reading = holds_open(client, big);
                if (held->stopped() && uploaded > 0 && still_reading) return true;
                held.reset();
                return false;
            },
            30s);
        EXPECT_TRUE(mid_upload) << "the server holds " << uploaded << " bytes of the copy, the "
                                << "client has " << (still_reading ? "not " : "")
                                << "read all of the file";
        kill(client, SIGUSR1);
    }  // the client goes on with the upload
    const auto status = wait_with_deadline(client, 60s);
    ASSERT_TRUE(status);
    // The program either had its trap set (exit 0) or not yet (killed by USR1): both mean the
    // signal reached it. A broken exchange would be bro's 125.
    const bool trapped = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
    const bool killed = WIFSIGNALED(*status) && WTERMSIG(*status) == SIGUSR1;
    EXPECT_TRUE(trapped || killed)
        << "status " << *status << ": " << read_file(dir.path() + "/log") << server.log();
    EXPECT_EQ(server.log().find("protocol error"), std::string::npos) << server.log();
}

// SIGSTOP and SIGCONT reach a server's io-wq workers too: a splice blocked on the socket then
// completes with a kernel restart code. That is an interruption, not a vanished client: the
// upload goes on and the call completes.
TEST(ContentModeSignals, AServerStoppedAndContinuedDuringAnUploadStillCompletesTheCall) {
    TempDir dir, tmp;
    constexpr std::uintmax_t kFileBytes = 512ULL << 20;
    const std::string big = dir.path() + "/big.img";
    ASSERT_EQ(truncate(dir.write_file("big.img", "").c_str(), kFileBytes), 0);  // sparse
    // Its count goes to stderr, which the client's log keeps.
    BroServer server(dir, dir.write_script("count", "exec wc -c \"$@\" >&2"),
                     {"--tmpdir", tmp.path()});
    const pid_t client = start_background(
        {client_binary(), big}, {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_FILE_ARGS=1"},
        dir.path() + "/log");
    int pauses = 0;
    int status = 0;
    pid_t reaped = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (reaped == 0 && std::chrono::steady_clock::now() < deadline) {
        if (session_copy(tmp.path(), "big.img").has_value()) {  // the upload is under way
            kill(server.pid(), SIGSTOP);
            usleep(2000);  // the stop itself is the event under test, not a synchronisation
            kill(server.pid(), SIGCONT);
            ++pauses;
        }
        reaped = waitpid(client, &status, WNOHANG);
        if (reaped == 0) usleep(1000);
    }
    kill(server.pid(), SIGCONT);
    if (reaped == 0) {
        const auto last = wait_with_deadline(client, 30s);
        ASSERT_TRUE(last) << "the client did not finish";
        status = *last;
    }
    EXPECT_GT(pauses, 0) << "the upload was never caught in flight";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "status " << status << " after " << pauses
        << " pauses: " << read_file(dir.path() + "/log") << server.log();
    EXPECT_NE(read_file(dir.path() + "/log").find(std::to_string(kFileBytes)), std::string::npos)
        << read_file(dir.path() + "/log");
}

// Content mode relays the program's pipes: output a grandchild writes after the program exited
// (the grandchild waits until it was orphaned: its parent pid changes at the program's exit)
// is still relayed while the pipes drain, and a grandchild that keeps them open forever delays
// the report by --drain-timeout only. (fd mode hands out the caller's own descriptors: nothing
// to drain.) The program itself stays a zombie until the drain ends, so `kill -0` cannot tell.
TEST(DrainTimeout, OutputOfAGrandchildIsRelayedUntilThePipesCloseOrTheDeadline) {
    TempDir dir;
    BroServer server(dir,
                     dir.write_script("spawner",
                                      "if [ \"$1\" = late ]; then"
                                      " (while read -r _ _ _ parent _ < /proc/self/stat &&"
                                      " [ \"$parent\" = $$ ]; do sleep 0.01; done;"
                                      " echo late words) &"
                                      " else (exec sleep 30) & fi; echo parent done"),
                     {"--drain-timeout", "2"});  // room for the late words on a loaded machine
    auto result = run_client(server, {.args = {"late"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "parent done\nlate words\n");

    const auto started = std::chrono::steady_clock::now();
    result = run_client(server, {.args = {"forever"}});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "parent done\n");
    EXPECT_GE(took, 1950ms);
    EXPECT_LT(took, 10s);
    EXPECT_NE(server.log().find("stdout/stderr still open 2000 ms"), std::string::npos)
        << server.log();
}

TEST(RequestTimeout, AConnectionThatSendsNoRequestIsClosed) {
    TempDir dir;
    BroServer server(dir, "/bin/echo", {"--request-timeout", "0.3"});
    const auto started = std::chrono::steady_clock::now();  // the server's clock starts at accept
    RawConnection connection(server.socket_path());
    ASSERT_TRUE(connection.connected());
    char byte = 0;
    const ssize_t n = read(connection.fd(), &byte, 1);  // blocks until the server gives up on us
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LE(n, 0);
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 5s);
    EXPECT_NE(server.log().find("no complete request within 300 ms"), std::string::npos)
        << server.log();
    EXPECT_EQ(run_client(server, {.args = {"still serving"}}).out, "still serving\n");
}

// A connection that has sent nothing holds only a wait for its first bytes: stopping the
// server ends that wait at once instead of after the request timeout.
TEST(RequestTimeout, AServerStoppedWhileConnectionsSitIdleStopsAtOnce) {
    TempDir dir;
    BroServer server(dir, "/bin/echo", {"--request-timeout", "60"});
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 3; ++i) {
        idle.push_back(std::make_unique<RawConnection>(server.socket_path()));
        ASSERT_TRUE(idle.back()->connected());
    }
    EXPECT_EQ(run_client(server, {.args = {"served"}}).out, "served\n");  // all accepted by now
    const auto started = std::chrono::steady_clock::now();
    const int status = server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
    for (const auto& connection : idle) {
        EXPECT_TRUE(connection->closed_by_server_within(5s)) << "an idle connection stayed open";
    }
}

INSTANTIATE_TEST_SUITE_P(BothModes, Lifecycle, ::testing::Values("content", "fd"));

}  // namespace
}  // namespace bro::test
