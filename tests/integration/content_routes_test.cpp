// Content mode's routes for the bytes, end to end: each kind of descriptor the caller gives
// bro-client moves its bytes its own way (a pipe by splice from the socket, /dev/null and a
// regular file through a private pipe, an O_APPEND file or anything else by copying, a piped
// stdin by splice through a private pipe, a /dev/null stdin not at all), and every route must
// deliver exactly what the program wrote and end the client as the program ended.

#include <gtest/gtest.h>

#include <string>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class ContentRoutes : public ::testing::Test {
  protected:
    // Runs the client with its stdout redirected by `redirection` (a shell word such as
    // ">file"), through sh, which then execs it: the client still talks to the server itself.
    ProcessResult run_redirected(const BroServer& server, const std::string& redirection,
                                 ClientRun run = {}) {
        run.prefix = {"/bin/sh", "-c", "exec \"$0\" \"$@\" " + redirection};
        return run_client(server, run);
    }

    TempDir dir;
};

TEST_F(ContentRoutes, StdoutToARegularFileIsByteExact) {
    BroServer server(dir, "/bin/cat");
    const std::string input = random_bytes(5 << 20, 11);
    const std::string file = dir.path() + "/out";
    const auto result = run_redirected(server, ">" + file, {.stdin_data = input});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(read_file(file) == input) << "the file differs from what the program wrote";
}

TEST_F(ContentRoutes, StdoutAppendedToAFileKeepsWhatWasThere) {
    BroServer server(dir, "/bin/cat");
    const std::string input = random_bytes(3 << 20, 12);
    const std::string file = dir.write_file("log", "before\n");
    const auto result = run_redirected(server, ">>" + file, {.stdin_data = input});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(read_file(file) == "before\n" + input) << "the appended file is wrong";
}

TEST_F(ContentRoutes, StdoutToDevNullIsDiscardedAndTheStatusStillArrives) {
    BroServer server(dir, dir.write_script("noisy", "head -c 20000000 /dev/zero; exit 3"));
    const auto result = run_redirected(server, ">/dev/null");
    EXPECT_EQ(result.exit_code(), 3) << result.err;
    EXPECT_EQ(result.err, "");
}

TEST_F(ContentRoutes, StdoutAndStderrToOneFileKeepEachFramesBytesTogether) {
    BroServer server(dir, dir.write_script("both", "printf out; printf err >&2; printf out2"));
    const std::string file = dir.path() + "/merged";
    const auto result = run_redirected(server, ">" + file + " 2>&1");
    ASSERT_EQ(result.exit_code(), 0) << read_file(file);
    // Two streams into one file may interleave by frame; each frame's bytes stay whole.
    const std::string got = read_file(file);
    EXPECT_EQ(got.size(), 10u) << got;
    EXPECT_NE(got.find("err"), std::string::npos) << got;
}

TEST_F(ContentRoutes, ADevNullStdinReachesTheProgramAsDevNullNotAsAPipe) {
    BroServer server(
        dir, dir.write_script("what-stdin", "[ -c /dev/stdin ] && echo char || echo other"));
    const auto result = run_client(server, {.stdin_file = "/dev/null"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "char\n");
}

TEST_F(ContentRoutes, AProgramThatStopsReadingAPipedStdinEndsTheClientWithItsOwnStatus) {
    // The server closes the connection while the client still splices stdin into it: that
    // must not kill the client with SIGPIPE before it reads the Exit frame.
    BroServer server(dir, dir.write_script("first-byte", "head -c 1; exit 7"));
    for (int round = 0; round < 40; ++round) {
        // With SIGPIPE's default action, as a shell gives it (the test process ignores it).
        const auto result =
            run_client(server, {.stdin_data = random_bytes(4 << 20, 13),
                                .prefix = {"/usr/bin/env", "--default-signal=PIPE"}});
        ASSERT_TRUE(result.exited()) << "killed by signal " << result.signal();
        EXPECT_EQ(result.exit_code(), 7) << result.err;
        EXPECT_EQ(result.out.size(), 1u);
    }
}

TEST_F(ContentRoutes, ABrokenStdoutStillEndsTheClientBySigpipeWhileStdinIsSpliced) {
    BroServer server(dir, "/usr/bin/yes");
    ClientRun run{.stdin_data = random_bytes(1 << 20, 14)};
    // bash reports the client's end in PIPESTATUS: 128 + 13 for SIGPIPE.
    run.prefix = {"/bin/bash", "-c",
                  "env --default-signal=PIPE \"$0\" \"$@\" | head -c 1 >/dev/null; "
                  "exit ${PIPESTATUS[0]}"};
    const auto result = run_client(server, run);
    EXPECT_EQ(result.exit_code(), 128 + SIGPIPE) << result.err;
    EXPECT_EQ(result.err, "") << "a broken stdout ends the client silently, as it would cat";
}

}  // namespace
}  // namespace bro::test
