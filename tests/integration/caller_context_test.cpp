// What the tool sees of its caller: working directory (--cwd), argv[0] (--argv0) and stdin
// (BRO_STDIN), in both transfer modes.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class CallerContext : public ::testing::Test {
  protected:
    // Runs `command` with sh; $BRO is the client, $D the temp dir, the client pinned to `mode`.
    ProcessResult shell(const BroServer& server, const std::string& mode,
                        const std::string& command) {
        ProcessOptions options;
        options.argv = {"/bin/sh", "-c", command};
        options.environment = {"BRO=" + client_binary(), "BRO_SOCKET_PATH=" + server.socket_path(),
                               "BRO_TRANSFER_MODE=" + mode, "PATH=/usr/bin:/bin",
                               "D=" + dir.path()};
        return run_process(options);
    }

    static bool can_unshare_mounts() {
        return run_process({.argv = {"/usr/bin/unshare", "-m", "/bin/true"}}).exit_code() == 0;
    }

    // A directory that exists only inside a private mount namespace: $D/hidden/here, on a
    // tmpfs that covers $D/hidden there. The command runs in it.
    static std::string in_hidden_directory(const std::string& command) {
        return R"(exec unshare -m sh -c 'mount -t tmpfs none "$D/hidden" &&
                  mkdir "$D/hidden/here" && cd "$D/hidden/here" && )" +
               command + "'";
    }

    TempDir dir;
};

TEST_F(CallerContext, FdModeResolvesRelativePathsInTheCallersDirectoryAcrossMountNamespaces) {
    if (!can_unshare_mounts()) GTEST_SKIP() << "unshare -m is not permitted here (needs root)";
    ASSERT_EQ(mkdir((dir.path() + "/hidden").c_str(), 0700), 0);
    BroServer server(dir, "/bin/cat", {"--fd-passing"});
    // No file arguments: cat opens "note.txt" itself, relative to its working directory,
    // which only the descriptor the client passed can reach.
    const auto result =
        shell(server, "fd",
              in_hidden_directory(R"(echo "seen from here" > note.txt && exec "$BRO" note.txt)"));
    EXPECT_EQ(result.exit_code(), 0) << result.err << server.log();
    EXPECT_EQ(result.out, "seen from here\n");
}

TEST_F(CallerContext, ContentModeFallsBackToTheSessionDirectoryWhenTheCallersIsMissing) {
    if (!can_unshare_mounts()) GTEST_SKIP() << "unshare -m is not permitted here (needs root)";
    ASSERT_EQ(mkdir((dir.path() + "/hidden").c_str(), 0700), 0);
    const std::string sessions = dir.path() + "/sessions";
    ASSERT_EQ(mkdir(sessions.c_str(), 0700), 0);
    BroServer server(dir, "/bin/pwd", {"--tmpdir", sessions});
    const auto result = shell(server, "content", in_hidden_directory(R"(exec "$BRO")"));
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out.rfind(sessions + "/", 0), 0u) << result.out;
    EXPECT_NE(server.log().find("/hidden/here is not usable here"), std::string::npos)
        << server.log();
}

TEST_F(CallerContext, CallerStrictRefusesAMissingDirectoryWithAClearMessage) {
    if (!can_unshare_mounts()) GTEST_SKIP() << "unshare -m is not permitted here (needs root)";
    ASSERT_EQ(mkdir((dir.path() + "/hidden").c_str(), 0700), 0);
    BroServer server(dir, "/bin/pwd", {"--cwd", "caller-strict"});
    const auto result = shell(server, "content", in_hidden_directory(R"(exec "$BRO")"));
    EXPECT_EQ(result.exit_code(), 126) << result.out;
    EXPECT_NE(result.err.find("change to the working directory"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("/hidden/here"), std::string::npos) << result.err;
}

TEST_F(CallerContext, CwdDirectoryAndTheCallersDirectoryInBothModes) {
    BroServer fixed(dir, "/bin/pwd", {"--cwd", "/usr", "--transfer-modes", "content,fd"});
    BroServer caller(dir, "/bin/pwd", {"--transfer-modes", "content,fd"});
    for (const std::string mode : {"content", "fd"}) {
        auto result = shell(fixed, mode, R"(cd /tmp && exec "$BRO")");
        EXPECT_EQ(result.out, "/usr\n") << mode << ": " << result.err;
        result = shell(caller, mode, R"(cd "$D" && exec "$BRO")");
        EXPECT_EQ(result.out, dir.path() + "\n") << mode << ": " << result.err;
    }
}

TEST_F(CallerContext, ArgvZeroIsTheExecutablePathOrArgv0) {
    BroServer plain(dir, "/bin/cat", {"--transfer-modes", "content,fd"});
    BroServer named(dir, "/bin/cat", {"--argv0", "sendmail", "--transfer-modes", "content,fd"});
    for (const std::string mode : {"content", "fd"}) {
        auto result = shell(plain, mode, R"(exec "$BRO" /proc/self/cmdline)");
        EXPECT_EQ(result.out, std::string("/bin/cat\0/proc/self/cmdline\0", 28)) << mode;
        result = shell(named, mode, R"(exec "$BRO" /proc/self/cmdline)");
        EXPECT_EQ(result.out, std::string("sendmail\0/proc/self/cmdline\0", 28)) << mode;
    }
}

TEST_F(CallerContext, StdinNoneGivesTheToolDevNullAndLeavesStdinAlone) {
    BroServer server(dir, "/bin/cat", {"--transfer-modes", "content,fd"});
    for (const std::string mode : {"content", "fd"}) {
        // The tool reads nothing, and what it would have read is still there for `read`.
        const auto result =
            shell(server, mode,
                  R"(printf 'first\nsecond\n' | { BRO_STDIN=none "$BRO"; read l; echo "$l"; })");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "first\n") << mode;
    }
    const auto bad = shell(server, "content", R"(BRO_STDIN=maybe "$BRO" </dev/null)");
    EXPECT_EQ(bad.exit_code(), 125);
    EXPECT_NE(bad.err.find("BRO_STDIN is \"maybe\""), std::string::npos) << bad.err;
}

TEST_F(CallerContext, TheSameFileNamedTwiceIsSentOnceAndSharedByBothArguments) {
    const std::string script = dir.write_script(
        "compare", R"([ "$1" = "$2" ] && echo "one file: ${1##*/}" || echo "two files: $1 $2"
cat "$1" "$2")");
    BroServer server(dir, script, {"--transfer-modes", "content,fd"});
    dir.write_file("input.c", "int x;\n");
    for (const std::string mode : {"content", "fd"}) {
        // Two spellings of one file, and a hard link: same device and inode, so one file.
        const auto result =
            shell(server, mode,
                  R"(cd "$D" && ln -f input.c link.c && BRO_FILE_ARGS=1 "$BRO" input.c ./link.c)");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        const std::string shown = mode == "content" ? "input.c" : "3";
        EXPECT_EQ(result.out, "one file: " + shown + "\nint x;\nint x;\n") << mode;
    }
}

TEST_F(CallerContext, AToolThatDoesNotReadStdinLeavesAFileStdinForTheNextCommand) {
    BroServer server(dir, "/bin/true", {"--transfer-modes", "content,fd"});
    dir.write_file("list", "one\ntwo\nthree\n");
    for (const std::string mode : {"content", "fd"}) {
        const auto result = shell(
            server, mode, R"(while read f; do echo "got $f"; "$BRO" || exit 9; done < "$D/list")");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "got one\ngot two\ngot three\n") << mode;
    }
}

TEST_F(CallerContext, AFileStdinIsLeftWhereTheToolStoppedReading) {
    BroServer server(dir, "/usr/bin/head", {"--transfer-modes", "content,fd"});
    // 300 KiB, more than the client reads ahead and the pipe holds.
    dir.write_file("data", "12345" + std::string(300 << 10, 'x') + "\n");
    for (const std::string mode : {"content", "fd"}) {
        const auto result = shell(server, mode, R"({ "$BRO" -c 5; echo; wc -c; } < "$D/data")");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "12345\n" + std::to_string((300 << 10) + 1) + "\n") << mode;
    }
}

TEST_F(CallerContext, ContentModeStdinIsAlwaysAPipeAndFdModeStdinIsTheCallersFile) {
    BroServer server(dir, dir.write_script("kind", "readlink /proc/self/fd/0"),
                     {"--transfer-modes", "content,fd"});
    dir.write_file("input", "x\n");
    auto result = shell(server, "content", R"("$BRO" < "$D/input")");
    EXPECT_EQ(result.out.rfind("pipe:", 0), 0u) << result.out << result.err;
    result = shell(server, "fd", R"("$BRO" < "$D/input")");
    EXPECT_EQ(result.out, dir.path() + "/input\n") << result.err;
}

TEST_F(CallerContext, DirectoriesDashAndFifosAreNeverFileArgumentsInEitherMode) {
    BroServer server(dir, dir.write_script("args", R"(for a; do echo "$a"; done)"),
                     {"--transfer-modes", "content,fd"});
    for (const std::string mode : {"content", "fd"}) {
        const auto result = shell(server, mode,
                                  R"(cd "$D" && rm -f fifo && mkfifo fifo && mkdir -p sub &&
                                     BRO_FILE_ARGS=1 "$BRO" sub - fifo)");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "sub\n-\nfifo\n") << mode;
    }
}

}  // namespace
}  // namespace bro::test
