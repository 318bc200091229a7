// Fault 2 and its relatives: every phase of a call has a deadline, so a client that stops in
// the middle (stopped with SIGSTOP, its output not read) cannot hold a session, its
// descriptors and its files for ever.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/unique_fd.hpp"
#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

std::uintmax_t bytes_under(const std::string& directory) {
    std::error_code error;  // the tree may change while it is walked
    std::uintmax_t total = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(directory, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        std::error_code ignored;
        if (it->is_regular_file(ignored)) total += it->file_size(ignored);
    }
    return total;
}

// Before: with --timeout 3 --request-timeout 3 the stopped client's session still held its
// slot, its descriptors and a partial copy long after; nothing bounded the upload.
TEST(UploadDeadline, AClientStoppedMidUploadLosesItsSessionAtTheIdleDeadline) {
    TempDir dir, tmp;
    const std::string big = dir.path() + "/big.img";
    ASSERT_EQ(truncate(dir.write_file("big.img", "").c_str(), 4LL << 30), 0);  // sparse
    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path(), "--request-timeout", "1"});
    const int baseline = settled_fd_count(server.pid());
    const pid_t client = start_background(
        {client_binary(), big}, {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_FILE_ARGS=1"},
        dir.path() + "/client.log");
    ASSERT_TRUE(eventually([&] { return bytes_under(tmp.path()) > 0; }, 20s)) << server.log();
    {
        const StoppedProcess held(client);
        ASSERT_TRUE(held.stopped());
        const auto stopped_at = Clock::now();
        const bool ended = eventually(
            [&] {
                return entries_of(tmp.path()).empty() && open_fd_count(server.pid()) == baseline;
            },
            15s);
        report_figure("upload-deadline.session gone after the client stopped (ms)",
                      milliseconds_since(stopped_at), "ms");
        EXPECT_TRUE(ended) << bytes_under(tmp.path()) << " bytes still in --tmpdir, "
                           << open_fd_count(server.pid()) << " descriptors open (baseline "
                           << baseline << ")\n"
                           << server.log();
        EXPECT_TRUE(wait_for_log(server, "uploading: no data for 1000 ms")) << server.log();
    }
    const auto status = wait_with_deadline(client, 10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 125) << *status;
}

// Whether the server is back at `baseline` descriptors without children within 15 s: the
// session of a client that stopped reading has ended. Says where it stands otherwise.
::testing::AssertionResult session_ends(const BroServer& server, int baseline) {
    const bool ended = eventually(
        [&] { return open_fd_count(server.pid()) == baseline && child_count(server.pid()) == 0; },
        15s);
    if (ended) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << open_fd_count(server.pid()) << " descriptors (baseline " << baseline << "), "
           << child_count(server.pid()) << " children\n"
           << server.log();
}

// A server whose program writes more than a socket holds, for a client that stops reading.
class StalledReader : public ::testing::Test {
  protected:
    StalledReader()
        : server(dir, dir.write_script("talker", "head -c 4000000 /dev/zero; exit 3"),
                 {"--timeout", "1", "--drain-timeout", "1", "--report-timeout", "1", "--kill-grace",
                  "0.2"}),
          baseline(settled_fd_count(server.pid())) {}

    TempDir dir;
    BroServer server;
    int baseline;
};

// The program's output, then its exit status, cannot be delivered. Before: the sends waited
// for ever, past --timeout and --drain-timeout, and the session held its descriptors while the
// client lived.
TEST_F(StalledReader, AClientThatStopsReadingCannotHoldItsSession) {
    RawConnection client(server.socket_path());  // reads nothing
    ASSERT_TRUE(client.send(content_request("/")));
    ASSERT_TRUE(wait_for_log(server, ": started pid")) << server.log();
    const auto started = Clock::now();
    EXPECT_TRUE(session_ends(server, baseline));
    report_figure("report-deadline.session gone after the start (ms)", milliseconds_since(started),
                  "ms");
    const std::string log = server.log();
    const bool named =
        log.find("draining: ") != std::string::npos || log.find("reporting: ") != std::string::npos;
    EXPECT_TRUE(named) << "no log line names the phase whose deadline passed\n" << log;
    EXPECT_EQ(run_client(server, {.timeout = 10s}).exit_code(), 3) << server.log();
}

// The caller's stdout is a pipe nobody reads: the client blocks on it, so it stops reading
// the socket. The server must still end the call at its deadlines and serve others.
TEST_F(StalledReader, AFullStdoutCannotHoldTheSessionPastItsDeadlines) {
    int pipe_fds[2];
    ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    const UniqueFd never_read(pipe_fds[0]), stdout_end(pipe_fds[1]);
    const pid_t client =
        start_with_stdout({client_binary()}, {"BRO_SOCKET_PATH=" + server.socket_path()},
                          stdout_end.get(), dir.path() + "/client.log");
    ASSERT_TRUE(wait_for_log(server, ": started pid")) << server.log();
    EXPECT_TRUE(session_ends(server, baseline));
    kill(client, SIGKILL);
    wait_with_deadline(client, 5s);
}

// The caller's stdout is a pipe whose reader went away: the client cannot deliver the output
// and ends; the program must not outlive it.
TEST(CallerOutput, AClosedStdoutEndsTheCallAndItsProgram) {
    TempDir dir;
    BroServer server(dir, "/usr/bin/yes");
    const int baseline = settled_fd_count(server.pid());
    const auto result = run_process(
        {.argv = {"/bin/sh", "-c", "\"$0\" | true; echo status ${PIPESTATUS:-done}",
                  client_binary()},
         .environment = {"BRO_SOCKET_PATH=" + server.socket_path(), "PATH=/usr/bin:/bin"},
         .timeout = 20s});
    EXPECT_FALSE(result.timed_out) << "the client never ended";
    EXPECT_TRUE(fd_count_returns_to(server.pid(), baseline)) << server.log();
    EXPECT_TRUE(eventually([&] { return child_count(server.pid()) == 0; }, 10s)) << server.log();
}

}  // namespace
}  // namespace bro::test
