// Faults 5 and 6: session directories are removed off the event loop, however many files and
// however deep the tree a program left in them; and the start-up clean-up recognises a dead
// server that is still a zombie.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

// A program that fills the directory of its first (file) argument's parent with `count` files
// under junk/, or makes a chain of `count` nested directories there, and exits.
constexpr const char* kFiller = R"(import os, sys
top = os.path.dirname(os.path.dirname(sys.argv[1]))
what, count = sys.argv[2], int(sys.argv[3])
os.chdir(top)
if what == 'files':
    os.mkdir('junk')
    for i in range(count):
        os.close(os.open('junk/%d' % i, os.O_CREAT | os.O_WRONLY, 0o600))
else:
    for i in range(count):
        os.mkdir('d')
        os.chdir('d')
    open('bottom', 'w').close()
)";

class SessionDirectoryRemoval : public ::testing::Test {
  protected:
    SessionDirectoryRemoval()
        : filler(dir.write_file("filler.py", kFiller)),
          server(dir, "/usr/bin/python3", {"--tmpdir", tmp.path()}) {}

    ProcessResult fill(const std::string& what, int count) {
        const std::string input = dir.write_file("input", "x");
        return run_client(server, {.args = {filler, input, what, std::to_string(count)},
                                   .environment = {"BRO_FILE_ARGS=1"},
                                   .timeout = 120s});
    }

    TempDir dir, tmp;
    std::string filler;
    BroServer server;
};

// Before: the removal ran on the event loop; 200,000 files stalled another caller for 2.2 s.
// Here the other caller must finish while the tree is still being removed.
TEST_F(SessionDirectoryRemoval, ABigTreeIsRemovedWithoutStallingAnotherCaller) {
    // The call returns once its tree is gone; run it in the background and call meanwhile.
    const pid_t filling = start_background(
        {client_binary(), filler, dir.write_file("input", "x"), "files", "150000"},
        {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_FILE_ARGS=1"}, dir.path() + "/fill.log");
    // Removal starts when the program has exited: its files then stop growing and shrink.
    std::string junk;
    ASSERT_TRUE(eventually(
        [&] {
            for (const auto& name : entries_of(tmp.path())) {
                const std::string candidate = tmp.path() + "/" + name + "/junk";
                if (std::filesystem::exists(candidate)) junk = candidate;
            }
            return !junk.empty() && server.log().find(" exited with 0") != std::string::npos;
        },
        120s))
        << server.log();
    const auto started = Clock::now();
    const auto other = run_client(server, {.args = {"-c", "print('other')"}, .timeout = 60s});
    const double took = milliseconds_since(started);
    const bool tree_still_there = std::filesystem::exists(junk);
    report_figure("tree-removal.other caller's call during a 150,000-file removal (ms)", took,
                  "ms");
    EXPECT_EQ(other.out, "other\n") << other.err;
    EXPECT_TRUE(tree_still_there) << "the other call finished only after the removal (it took "
                                  << took << " ms)";
    const auto status = wait_with_deadline(filling, 120s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << read_file(dir.path() + "/fill.log");
    EXPECT_TRUE(entries_of(tmp.path()).empty());
}

// Before: the walk stopped at depth 64 and left the tree for ever.
TEST_F(SessionDirectoryRemoval, ATreeDeeperThanAnyLimitIsRemoved) {
    const auto result = fill("depth", 1000);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(eventually([&] { return entries_of(tmp.path()).empty(); }, 10s))
        << server.log().substr(0, 4000);
    EXPECT_EQ(server.log().find("not fully removed"), std::string::npos)
        << server.log().substr(0, 4000);
}

// Before: the start-up clean-up stopped at the same depth.
TEST(StaleCleanup, ADeepStaleTreeIsRemovedAtStartUp) {
    TempDir dir, tmp;
    std::string path = tmp.path() + "/bro-4194399-7-AbC123";  // a pid no process can have
    ASSERT_EQ(mkdir(path.c_str(), 0700), 0);
    std::filesystem::current_path(path);
    for (int level = 0; level < 300; ++level) {
        ASSERT_EQ(mkdir("d", 0700), 0);
        ASSERT_EQ(chdir("d"), 0);
    }
    std::filesystem::current_path("/");
    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path()});
    EXPECT_TRUE(entries_of(tmp.path()).empty()) << server.log();
}

// Fault 6. Before: kill(pid, 0) succeeds for a zombie, so a server restarted right after its
// predecessor's SIGKILL (whose parent had not reaped it yet) kept the dead server's directory.
TEST(StaleCleanup, AZombieServersDirectoryIsRemovedAtStartUp) {
    TempDir dir, tmp;
    const pid_t dead =
        start_background({server_binary(), "--executable", "/bin/true", "--socket-path",
                          dir.path() + "/dead.sock", "--tmpdir", tmp.path()},
                         {"PATH=/usr/bin:/bin"}, dir.path() + "/dead.log");
    ASSERT_TRUE(eventually([&] { return connect_succeeds(dir.path() + "/dead.sock"); }, 10s));
    const std::string stale = tmp.path() + "/bro-" + std::to_string(dead) + "-1-AbC123";
    ASSERT_EQ(mkdir(stale.c_str(), 0700), 0);
    kill(dead, SIGKILL);
    ASSERT_TRUE(eventually([&] { return process_state(dead) == 'Z'; }, 10s));
    {
        BroServer restarted(dir, "/bin/true", {"--tmpdir", tmp.path()});
        EXPECT_FALSE(std::filesystem::exists(stale)) << restarted.log();
    }
    int status = 0;
    waitpid(dead, &status, 0);
}

}  // namespace
}  // namespace bro::test
