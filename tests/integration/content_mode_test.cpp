// Content mode end to end: what goes in (argv, stdin, file arguments) arrives exactly, and
// what comes out (stdout, stderr, exit status) is exactly what the tool produced.

#include <dirent.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <csignal>

#include <future>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class ContentMode : public ::testing::Test {
  protected:
    TempDir dir;
    // Prints each argument followed by a NUL byte, so any byte in an argument is visible.
    std::string print_args() const {
        return dir.write_script("print-args", R"(for a in "$@"; do printf '%s\0' "$a"; done)");
    }
    std::string tmpdir_sessions() const { return dir.path() + "/sessions"; }
};

std::string joined_with_nul(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += item + '\0';
    return out;
}

TEST_F(ContentMode, ArgumentsArriveByteExactWithSpacesNewlinesEmptyAndNonUtf8) {
    BroServer server(dir, print_args());
    const std::vector<std::string> args = {"two words", "line\nbreak",  "",  "\xff\xfe\x80",
                                           "-n",        "--flag=value", "*", "$HOME"};
    const auto result = run_client(server, {.args = args});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, joined_with_nul(args));
}

TEST_F(ContentMode, ExitCodesArePassedThroughExactly) {
    BroServer server(dir, dir.write_script("exit-with", "exit \"$1\""));
    for (int code : {0, 1, 42, 255}) {
        const auto result = run_client(server, {.args = {std::to_string(code)}});
        EXPECT_EQ(result.exit_code(), code) << result.err;
    }
}

// The client dies by the same signal, so a shell reports 137 and a parent sees WIFSIGNALED.
TEST_F(ContentMode, ChildKilledBySigkillKillsTheClientBySigkill) {
    BroServer server(dir, dir.write_script("suicide", "kill -KILL $$"));
    const auto result = run_client(server, {});
    EXPECT_TRUE(result.signaled()) << result.err;
    EXPECT_EQ(result.signal(), SIGKILL);
}

TEST_F(ContentMode, SixtyFourMibOfRandomStdinThroughCatIsByteExact) {
    BroServer server(dir, "/bin/cat");
    const std::string input = random_bytes(64 << 20, 1);
    const auto result = run_client(server, {.stdin_data = input});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    ASSERT_EQ(result.out.size(), input.size());
    EXPECT_TRUE(result.out == input) << "stdout differs from stdin";
}

TEST_F(ContentMode, StdinFromARegularFileIsStreamed) {
    BroServer server(dir, "/bin/cat");
    const std::string content = random_bytes(3 << 20, 2);
    const auto result = run_client(server, {.stdin_file = dir.write_file("input", content)});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(result.out == content);
}

TEST_F(ContentMode, StdinEndOfFileReachesTheChild) {
    BroServer server(dir, "/usr/bin/wc");
    const auto result = run_client(server, {.args = {"-l"}, .stdin_data = "a\nb\nc\n"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "3\n");
}

TEST_F(ContentMode, LargeStdoutAndStderrAtOnceArriveCompleteAndSeparate) {
    BroServer server(dir, dir.write_script("both",
                                           "head -c 20000000 /dev/zero & "
                                           "head -c 15000000 /dev/zero | tr '\\0' e >&2; wait"));
    const auto result = run_client(server, {});
    ASSERT_EQ(result.exit_code(), 0);
    EXPECT_EQ(result.out, std::string(20000000, '\0'));
    EXPECT_EQ(result.err, std::string(15000000, 'e'));
}

TEST_F(ContentMode, ChildWritingTenMibToStderrBeforeReadingStdinDoesNotDeadlock) {
    BroServer server(dir, dir.write_script("stderr-first", "head -c 10485760 /dev/zero >&2; cat"));
    const std::string input = random_bytes(10 << 20, 3);
    const auto result = run_client(server, {.stdin_data = input});
    ASSERT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code(), 0);
    EXPECT_EQ(result.err.size(), 10485760u);
    EXPECT_TRUE(result.out == input);
}

TEST_F(ContentMode, ChildThatNeverReadsStdinStillReportsItsExit) {
    BroServer server(dir, dir.write_script("ignore-stdin", "echo done"));
    const auto result = run_client(server, {.stdin_data = random_bytes(8 << 20, 4)});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "done\n");
}

TEST_F(ContentMode, FileArgumentsByFlagAreCopiedAndArgvRewritten) {
    BroServer server(dir, dir.write_script("show", R"(
while [ $# -gt 0 ]; do
  case "$1" in
    -C) cat "$2"; shift 2 ;;
    -C*) cat "${1#-C}"; shift ;;
    --file=*) cat "${1#--file=}"; shift ;;
    *) echo "plain:$1"; shift ;;
  esac
done)"));
    const auto a = dir.write_file("a.txt", "alpha\n");
    const auto b = dir.write_file("b.txt", "beta\n");
    const auto c = dir.write_file("c.txt", "gamma\n");
    const auto result = run_client(server, {.args = {"-C", a, "-C" + b, "--file=" + c, "word"},
                                            .environment = {"BRO_FILE_FLAGS=-C,--file"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "alpha\nbeta\ngamma\nplain:word\n");
}

TEST_F(ContentMode, RewrittenPathIsAPrivateCopyKeepingTheBaseName) {
    BroServer server(dir, dir.write_script("where", R"(echo "$1"; ls -l "$1" | cut -c1-10)"));
    const auto input = dir.write_file("input.c", "int main(){}\n");
    const auto result = run_client(server, {.args = {input}, .environment = {"BRO_FILE_ARGS=1"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_NE(result.out.find("/input.c\n"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find(input + "\n"), std::string::npos) << "argv was not rewritten";
    EXPECT_NE(result.out.find("-rw-------"), std::string::npos) << result.out;
}

TEST_F(ContentMode, PositionalFileArgumentsNeedBroFileArgs) {
    BroServer server(dir, "/bin/cat");
    const auto file = dir.write_file("data", "payload\n");
    const auto without = run_client(server, {.args = {file}});
    EXPECT_EQ(without.exit_code(), 0);  // the server's cat reads the same path directly
    const auto with = run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(with.exit_code(), 0) << with.err;
    EXPECT_EQ(with.out, "payload\n");
}

TEST_F(ContentMode, DirectoriesAndDashAreNeverFileArguments) {
    BroServer server(dir, print_args());
    const auto result =
        run_client(server, {.args = {dir.path(), "-"}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, joined_with_nul({dir.path(), "-"}));
}

TEST_F(ContentMode, BinaryFileArgumentOfSeveralMibIsByteExact) {
    BroServer server(dir, "/bin/cat");
    const std::string content = random_bytes(5 << 20, 5);
    const auto file = dir.write_file("blob.bin", content);
    const auto result = run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(result.out == content);
}

TEST_F(ContentMode, FourGibFileArgumentStreamsInBoundedMemoryOnBothSides) {
    constexpr unsigned long long kSize = (4ULL << 30) + 1;
    struct statvfs space {};
    if (statvfs(dir.path().c_str(), &space) != 0 ||
        static_cast<unsigned long long>(space.f_bavail) * space.f_frsize < 3 * kSize) {
        GTEST_SKIP() << "needs 12 GiB free in " << dir.path() << " for the file and its copy";
    }
    // Sparse on the caller's side, a real 4 GiB copy on the server's side.
    const auto big = dir.path() + "/big.img";
    ASSERT_EQ(truncate(dir.write_file("big.img", "").c_str(), kSize), 0);
    // Under ASan, freed memory (each chunk's coroutine frames) waits in a quarantine of up to
    // 256 MiB to catch a use after free; a small one keeps this a measure of bro's memory.
    BroServer server(dir, "/usr/bin/stat", {}, {"ASAN_OPTIONS=quarantine_size_mb=16"});
    const auto result =
        run_client(server, {.args = {"-c", "%s", big},
                            .environment = {"BRO_FILE_ARGS=1"},
                            .timeout = std::chrono::seconds(300)});  // 4 GiB on a loaded machine
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, std::to_string(kSize) + "\n");
    // Bounded means independent of the file's size: 1/32 of it leaves room for sanitizer
    // builds (about 70 MiB) and fails for anything that buffers the file.
    constexpr long kLimitKib = 128 * 1024;
    EXPECT_GT(result.peak_rss_kib, 0) << "the client's memory was never sampled";
    EXPECT_LT(result.peak_rss_kib, kLimitKib) << "client peak RSS in KiB";
    EXPECT_LT(peak_rss_of(server.pid()), kLimitKib) << "server peak RSS in KiB";
}

TEST_F(ContentMode, SessionDirectoryIsRemovedAfterTheRun) {
    const std::string sessions = dir.path() + "/sessions";
    ASSERT_EQ(mkdir(sessions.c_str(), 0700), 0);
    BroServer server(
        dir, dir.write_script("leave-files", "touch \"$(dirname \"$1\")/extra\"; cat \"$1\""),
        {"--tmpdir", sessions});
    const auto file = dir.write_file("f", "x");
    const auto result = run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    DIR* handle = opendir(sessions.c_str());
    ASSERT_NE(handle, nullptr);
    int entries = 0;
    while (dirent* entry = readdir(handle)) entries += entry->d_name[0] != '.';
    closedir(handle);
    EXPECT_EQ(entries, 0) << "session directory left behind";
}

TEST_F(ContentMode, HundredConcurrentClientsAllGetTheirOwnOutput) {
    BroServer server(dir, "/bin/cat");
    std::vector<std::future<ProcessResult>> runs;
    for (int i = 0; i < 100; ++i) {
        runs.push_back(std::async(std::launch::async, [&, i] {
            return run_client(server, {.stdin_data = "client " + std::to_string(i) + "\n" +
                                                     random_bytes(64 << 10, 100 + i)});
        }));
    }
    for (int i = 0; i < 100; ++i) {
        const auto result = runs[i].get();
        EXPECT_EQ(result.exit_code(), 0) << result.err;
        EXPECT_TRUE(result.out ==
                    "client " + std::to_string(i) + "\n" + random_bytes(64 << 10, 100 + i))
            << "client " << i;
    }
}

TEST_F(ContentMode, ChildRunsInTheCallersWorkingDirectoryWithTheCallersUmask) {
    BroServer server(dir, dir.write_script("context", "pwd; umask"));
    ProcessOptions options;
    options.argv = {"/bin/sh", "-c",       "cd \"$1\" && umask 027 && exec \"$2\"",
                    "sh",      dir.path(), client_binary()};
    options.environment = {"BRO_SOCKET_PATH=" + server.socket_path(), "PATH=/usr/bin:/bin"};
    const auto result = run_process(options);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, dir.path() + "\n0027\n");
}

}  // namespace
}  // namespace bro::test
