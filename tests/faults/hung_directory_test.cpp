// Fault 1: a caller's working directory that the server cannot reach without waiting on a
// filesystem (a hung mount) must not stall the server, and the server's own rights must not
// tell a caller which paths exist.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fault_support.hpp"
#include "hung_mount.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

class HungDirectory : public ::testing::TestWithParam<std::string> {
  protected:
    bool fd_mode() const { return GetParam() == "fd"; }
    TempDir dir;
};

// Before: the event loop called access() on the caller's directory (content mode), or the
// child's chdir ran inside clone(CLONE_VFORK) (fd mode without a directory descriptor), so the
// whole server waited on the hung mount and the second caller never got an answer.
TEST_P(HungDirectory, ACallerWhoseDirectoryHangsDoesNotStallAnotherCaller) {
    if (const auto why = HungMount::why_unavailable()) GTEST_SKIP() << *why;
    const std::string mountpoint = dir.path() + "/hung";
    ASSERT_EQ(mkdir(mountpoint.c_str(), 0755), 0);
    BroServer server(dir, "/bin/echo",
                     {"--transfer-modes", "content,fd", "--request-timeout", "1"});
    // Made after the server, so it goes first: whatever still waits on it is released before
    // the server is stopped.
    HungMount hung(mountpoint);

    const std::string cwd = mountpoint + "/project";  // its lookup waits for the daemon
    RawConnection stuck(server.socket_path());
    const Bytes frame = fd_mode() ? fd_request(cwd, {"stuck"}) : content_request(cwd, {"stuck"});
    const bool sent = fd_mode() ? send_fd_request(stuck, frame) : stuck.send(frame);
    ASSERT_TRUE(sent);
    ASSERT_TRUE(eventually([&] { return hung.unanswered() > 0; }, 10s))
        << "the server never looked the directory up\n"
        << server.log();

    const auto started = Clock::now();
    // In content mode: an fd-mode client parks its stdout in the listen queue of a server that
    // does not accept, and a killed client's pipe would outlive it there.
    const auto other = run_client(
        server,
        {.args = {"unrelated"}, .environment = {"BRO_TRANSFER_MODE=content"}, .timeout = 20s});
    const double waited = milliseconds_since(started);
    report_figure("hung-directory." + GetParam() + ".other caller's call (ms)", waited, "ms");
    EXPECT_EQ(other.exit_code(), 0) << other.err << server.log();
    EXPECT_EQ(other.out, "unrelated\n");
    EXPECT_LT(waited, 5000) << "the other caller waited for the hung mount";

    // The hung caller itself gets an answer once the lookup's deadline (--request-timeout)
    // has passed: its program runs in the session's own directory (content mode) or in /.
    const Reply reply = stuck.read_reply(15s);
    EXPECT_EQ(reply.exit_code(), std::optional<int>(0)) << reply.error() << server.log();
    EXPECT_EQ(reply.out(), fd_mode() ? "" : "stuck\n");
    EXPECT_TRUE(wait_for_log(server, "did not resolve within 1000 ms")) << server.log();
}

INSTANTIATE_TEST_SUITE_P(BothModes, HungDirectory, ::testing::Values("content", "fd"));

// Before: access() ran with the server's rights, so with --user nobody an existing path under
// a 0700 directory was entered by nobody's child (it fails, and falls back to /) while a
// missing one got the session directory: the answer told the two apart.
TEST(HiddenDirectory, TheCallerCannotTellWhichPathsOnlyTheServerCanReachExist) {
    BRO_SKIP_UNLESS_ROOT("a root server running programs as nobody");
    TempDir dir;
    chmod(dir.path().c_str(), 0755);
    const std::string secret = dir.path() + "/secret";
    ASSERT_EQ(mkdir(secret.c_str(), 0700), 0);
    ASSERT_EQ(mkdir((secret + "/exists").c_str(), 0700), 0);
    BroServer server(dir, "/bin/pwd", {"--user", "nobody", "--tmpdir", dir.path()});

    std::string answers[2];
    int index = 0;
    for (const std::string name : {"exists", "missing"}) {
        const std::string cwd = secret + "/" + name;
        const Reply reply = send_and_read_reply(server.socket_path(), content_request(cwd));
        ASSERT_EQ(reply.exit_code(), std::optional<int>(0)) << name << ": " << reply.error();
        answers[index++] = reply.out();
    }
    // Both run where a caller's missing directory runs: the session directory.
    for (const auto& answer : answers) {
        EXPECT_EQ(answer.rfind(dir.path() + "/bro-", 0), 0u)
            << "exists: " << answers[0] << "missing: " << answers[1];
    }
}

}  // namespace
}  // namespace bro::test
