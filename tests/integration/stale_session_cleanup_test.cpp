// At start, bro-server removes the session directories a crashed server left in --tmpdir, and
// nothing else: not a live server's, not another name, never through a symlink.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bro_fixture.hpp"

namespace bro::test {
namespace fs = std::filesystem;
namespace {

// Above the kernel's largest pid_max (2^22), so no process has it.
constexpr const char* kDeadPid = "4194399";

class StaleSessionCleanup : public ::testing::Test {
  protected:
    TempDir dir;
    TempDir tmp;  // the servers' --tmpdir
    TempDir outside;

    // A session directory as SessionDirectory makes it, with a file argument copy in it.
    std::string make_session_directory(const std::string& pid) const {
        const std::string path = tmp.path() + "/bro-" + pid + "-7-AbC123";
        fs::create_directories(path + "/0");
        std::ofstream(path + "/0/input.c") << "int main() {}\n";
        chmod(path.c_str(), 0700);
        return path;
    }
};

TEST_F(StaleSessionCleanup, DeadServersDirectoryIsRemovedWithoutFollowingSymlinks) {
    const auto stale = make_session_directory(kDeadPid);
    const auto precious = outside.write_file("precious", "keep me");
    fs::create_directory_symlink(outside.path(), stale + "/0/link-to-dir");
    fs::create_symlink(precious, stale + "/link-to-file");
    fs::create_directories(stale + "/deep/er/still");
    chmod((stale + "/deep").c_str(), 0500);  // the tool made it read-only

    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path()});
    EXPECT_FALSE(fs::exists(fs::symlink_status(stale))) << server.log();
    EXPECT_EQ(read_file(precious), "keep me");
    EXPECT_TRUE(fs::exists(outside.path()));
    EXPECT_NE(server.log().find("removed stale session directory " + stale), std::string::npos)
        << server.log();
}

TEST_F(StaleSessionCleanup, LiveServersDirectoryIsLeftAlone) {
    BroServer live(dir, "/bin/true", {"--tmpdir", tmp.path()});
    const auto in_use = make_session_directory(std::to_string(live.pid()));
    BroServer second(dir, "/bin/true", {"--tmpdir", tmp.path()});
    EXPECT_TRUE(fs::exists(in_use + "/0/input.c")) << second.log();
}

TEST_F(StaleSessionCleanup, DirectoryOfAPidReusedByAnotherProgramIsRemoved) {
    // This test process is alive but is not a bro-server.
    const auto reused = make_session_directory(std::to_string(getpid()));
    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path()});
    EXPECT_FALSE(fs::exists(reused)) << server.log();
}

TEST_F(StaleSessionCleanup, OtherNamesAndSymlinksAreLeftAlone) {
    const std::vector<std::string> names = {"bro-" + std::string(kDeadPid) + "-7", "bro-x-7-AbC123",
                                            "bro-" + std::string(kDeadPid) + "-7-AbC12",
                                            "other-" + std::string(kDeadPid) + "-7-AbC123"};
    for (const auto& name : names) fs::create_directory(tmp.path() + "/" + name);
    const auto file = tmp.write_file("bro-" + std::string(kDeadPid) + "-8-AbC123", "a file");
    const auto link = tmp.path() + "/bro-" + std::string(kDeadPid) + "-9-AbC123";
    fs::create_directory_symlink(outside.path(), link);
    const auto inside = outside.write_file("inside", "keep");

    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path()});
    for (const auto& name : names) EXPECT_TRUE(fs::exists(tmp.path() + "/" + name)) << name;
    EXPECT_EQ(read_file(file), "a file");
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(read_file(inside), "keep");
}

TEST_F(StaleSessionCleanup, AnotherUsersDirectoryIsLeftAlone) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a directory owned by another uid";
    const auto foreign = make_session_directory(kDeadPid);
    ASSERT_EQ(chown(foreign.c_str(), 65534, 65534), 0);
    BroServer server(dir, "/bin/true", {"--tmpdir", tmp.path()});
    EXPECT_TRUE(fs::exists(foreign + "/0/input.c")) << server.log();
}

TEST_F(StaleSessionCleanup, SessionDirectoryIsRemovedAfterARunWithoutFollowingLinksLeftInIt) {
    const auto precious = outside.write_file("precious", "keep me");
    // The tool leaves a symlink to a directory outside, and a read-only subdirectory.
    const auto tool = dir.write_script(
        "tool", "d=$(dirname \"$1\"); ln -s " + outside.path() +
                    " \"$d/out\"; mkdir -p \"$d/ro/x\"; chmod 500 \"$d/ro\"; echo done");
    const auto input = dir.write_file("input.c", "int x;\n");
    BroServer server(dir, tool, {"--tmpdir", tmp.path()});
    const auto result = run_client(server, {.args = {input}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(result.out, "done\n") << result.err;
    EXPECT_TRUE(fs::is_empty(tmp.path())) << server.log();
    EXPECT_EQ(read_file(precious), "keep me");
}

class TmpdirValidation : public ::testing::Test {
  protected:
    TempDir dir;
    ProcessResult server(const std::string& tmpdir) {
        return run_server(
            {"--executable", "/bin/true", "--socket-path", dir.path() + "/s", "--tmpdir", tmpdir});
    }
};

TEST_F(TmpdirValidation, MissingFileRelativeAndUnstickyWorldWritableAreRefused) {
    const auto open_to_all = dir.path() + "/open";
    fs::create_directory(open_to_all);
    chmod(open_to_all.c_str(), 0777);
    for (const auto& [tmpdir, message] : std::vector<std::pair<std::string, std::string>>{
             {dir.path() + "/missing", "create it or choose another directory"},
             {dir.write_file("file", ""), "not a directory"},
             {"relative", "use an absolute directory"},
             {open_to_all, "world-writable without the sticky bit"}}) {
        const auto result = server(tmpdir);
        EXPECT_EQ(result.exit_code(), 2) << tmpdir;
        EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    }
}

TEST_F(TmpdirValidation, StickyWorldWritableDirectoryIsAccepted) {
    const auto sticky = dir.path() + "/sticky";
    fs::create_directory(sticky);
    chmod(sticky.c_str(), 01777);
    BroServer server(dir, "/bin/echo", {"--tmpdir", sticky});
    EXPECT_EQ(run_client(server, {.args = {"ok"}}).out, "ok\n");
}

}  // namespace
}  // namespace bro::test
