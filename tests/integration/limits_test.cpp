// bro-server's --max-* limits: a request exactly at a limit runs; one just beyond it is refused
// with a message naming the limit, its value and the flag, the client exits 125, the server
// logs one line, and the server goes on serving others.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

constexpr int kClientFailure = 125;

class Limits : public ::testing::Test {
  protected:
    TempDir dir;

    // The refused run's stderr names the flag and the limit, and the server logged it.
    static void expect_refused(const ProcessResult& result, const BroServer& server,
                               const std::string& flag, const std::string& what) {
        EXPECT_EQ(result.exit_code(), kClientFailure) << result.err;
        EXPECT_NE(result.err.find("the server refused the request: "), std::string::npos)
            << result.err;
        EXPECT_NE(result.err.find(what), std::string::npos) << result.err;
        EXPECT_NE(result.err.find("(set by bro-server --" + flag + ")"), std::string::npos)
            << result.err;
        EXPECT_TRUE(logged_refusal(server.log(), what)) << server.log();
    }

    static bool logged_refusal(const std::string& log, const std::string& what) {
        for (std::size_t at = log.find("refused: "); at != std::string::npos;
             at = log.find("refused: ", at + 1)) {
            const auto line = log.substr(at, log.find('\n', at) - at);
            if (line.find(what) != std::string::npos) return true;
        }
        return false;
    }

    // Another call right after still runs: the refusal touched only its own session.
    static void expect_still_serving(const BroServer& server) {
        const auto after = run_client(server, {.args = {"still", "serving"}});
        EXPECT_EQ(after.exit_code(), 0) << after.err;
        EXPECT_EQ(after.out, "still serving\n");
    }
};

TEST_F(Limits, ArgumentCountAtTheLimitRunsAndOneMoreIsRefused) {
    BroServer server(dir, "/bin/echo", {"--max-args", "3"});
    const auto at_limit = run_client(server, {.args = {"a", "b", "c"}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(at_limit.out, "a b c\n");
    expect_refused(run_client(server, {.args = {"a", "b", "c", "d"}}), server, "max-args",
                   "too many arguments: 4, limit 3");
    expect_still_serving(server);
}

TEST_F(Limits, ArgumentLengthAtTheLimitRunsAndOneMoreIsRefused) {
    BroServer server(dir, "/bin/echo", {"--max-arg-bytes", "10"});
    const auto at_limit = run_client(server, {.args = {"x", std::string(10, 'a')}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    expect_refused(run_client(server, {.args = {"x", std::string(11, 'a')}}), server,
                   "max-arg-bytes", "argument 2 is 11 bytes, limit 10");
    expect_still_serving(server);
}

TEST_F(Limits, EnvironmentCountAtTheLimitRunsAndOneMoreIsRefused) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "A,B,C", "--max-env", "2"});
    const auto at_limit =
        run_client(server, {.environment = {"BRO_FORWARD_ENV=A,B", "A=1", "B=2", "C=3"}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(without_peer_variables(at_limit.out), "A=1\nB=2\n");
    expect_refused(
        run_client(server, {.environment = {"BRO_FORWARD_ENV=A,B,C", "A=1", "B=2", "C=3"}}), server,
        "max-env", "too many environment variables: 3, limit 2");
}

TEST_F(Limits, EnvironmentBytesAtTheLimitRunAndOneMoreIsRefused) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "A", "--max-env-bytes", "10"});
    const auto at_limit = run_client(server, {.environment = {"BRO_FORWARD_ENV=A", "A=123456789"}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(without_peer_variables(at_limit.out), "A=123456789\n");
    expect_refused(run_client(server, {.environment = {"BRO_FORWARD_ENV=A", "A=1234567890"}}),
                   server, "max-env-bytes", "take at least 11 bytes (names and values), limit 10");
}

TEST_F(Limits, RequestBytesAtTheLimitRunAndOneMoreAreRefused) {
    // The client's debug log gives the request frame's size (payload + 5-byte header).
    const std::vector<std::string> args = {std::string(300, 'r')};
    std::size_t frame_bytes = 0;
    {
        BroServer probe(dir, "/bin/true");
        const auto run = run_client(probe, {.args = args, .environment = {"BRO_LOG=debug"}});
        const auto at = run.err.find(" bytes\n", run.err.find("request: "));
        ASSERT_NE(at, std::string::npos) << run.err;
        frame_bytes = std::stoul(run.err.substr(run.err.rfind(' ', at - 1) + 1));
    }
    const std::string limit = std::to_string(frame_bytes - 5);
    BroServer server(dir, "/bin/echo", {"--max-request-bytes", limit});
    const auto at_limit = run_client(server, {.args = args});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    expect_refused(run_client(server, {.args = {std::string(301, 'r')}}), server,
                   "max-request-bytes",
                   "request is " + std::to_string(frame_bytes - 4) + " bytes, limit " + limit);
    expect_still_serving(server);
}

TEST_F(Limits, HugeRequestIsRefusedFromItsHeaderAlone) {
    BroServer server(dir, "/bin/echo", {"--max-request-bytes", "1K"});
    const auto result = run_client(server, {.args = {std::string(100000, 'h')}});
    expect_refused(result, server, "max-request-bytes", "limit 1024");
    expect_still_serving(server);
}

TEST_F(Limits, FileArgumentCountAtTheLimitRunsAndOneMoreIsRefused) {
    BroServer server(dir, "/bin/cat", {"--max-file-args", "2"});
    const auto a = dir.write_file("a", "A");
    const auto b = dir.write_file("b", "B");
    const auto c = dir.write_file("c", "C");
    const auto at_limit = run_client(server, {.args = {a, b}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(at_limit.out, "AB");
    expect_refused(run_client(server, {.args = {a, b, c}, .environment = {"BRO_FILE_ARGS=1"}}),
                   server, "max-file-args", "too many file arguments: 3, limit 2");
}

TEST_F(Limits, MoreFileArgumentsThanTheDefaultPassWhenTheServerAllowsThem) {
    // The client leaves the count to the server (it used to stop at the default, 256), and in
    // auto mode sends more files than one message's descriptors in content mode.
    BroServer server(dir, "/bin/cat", {"--max-file-args", "300"});
    std::vector<std::string> files;
    for (int i = 0; i < 300; ++i) files.push_back(dir.write_file("f" + std::to_string(i), "x"));
    const auto result = run_client(server, {.args = files, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, std::string(300, 'x'));
}

TEST_F(Limits, FileBytesAtTheLimitRunAndOneMoreAreRefusedWithoutLeavingCopies) {
    TempDir tmp;
    BroServer server(dir, "/bin/cat", {"--max-file-bytes", "10", "--tmpdir", tmp.path()});
    const auto six = dir.write_file("six", "123456");
    const auto four = dir.write_file("four", "abcd");
    const auto five = dir.write_file("five", "abcde");
    const auto at_limit =
        run_client(server, {.args = {six, four}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(at_limit.out, "123456abcd");
    expect_refused(run_client(server, {.args = {six, five}, .environment = {"BRO_FILE_ARGS=1"}}),
                   server, "max-file-bytes", "file arguments hold more than 10 bytes");
    const auto after = run_client(server, {.args = {six}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(after.out, "123456") << after.err;
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "session copies left in --tmpdir";
}

TEST_F(Limits, FdCountAtTheLimitRunsAndOneMoreIsRefused) {
    // stdin, stdout, stderr and the working directory: 4; a file argument makes 5.
    BroServer server(dir, "/bin/cat", {"--fd-passing", "--max-fds", "4"});
    const auto file = dir.write_file("f", "content");
    const auto at_limit = run_client(server, {.stdin_data = "in"});
    EXPECT_EQ(at_limit.exit_code(), 0) << at_limit.err;
    EXPECT_EQ(at_limit.out, "in");
    expect_refused(run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}}), server,
                   "max-fds", "descriptors, limit 4");
    const auto after = run_client(server, {.stdin_data = "again"});
    EXPECT_EQ(after.out, "again") << after.err;
}

TEST_F(Limits, RefusalDoesNotDisturbARunningSession) {
    BroServer server(dir, "/bin/sh", {"--max-args", "3"});
    ProcessResult running;
    std::thread other([&] {
        running = run_client(
            server, {.args = {"-c", "read line; echo \"got $line\""}, .stdin_data = "hello\n"});
    });
    expect_refused(run_client(server, {.args = {"-c", "true", "x", "y"}}), server, "max-args",
                   "too many arguments: 4, limit 3");
    other.join();
    EXPECT_EQ(running.exit_code(), 0) << running.err;
    EXPECT_EQ(running.out, "got hello\n");
}

TEST_F(Limits, LimitsCanComeFromBroServerVariables) {
    BroServer server(dir, "/bin/echo", {}, {"BRO_SERVER_MAX_ARGS=1"});
    expect_refused(run_client(server, {.args = {"a", "b"}}), server, "max-args",
                   "too many arguments: 2, limit 1");
}

class LimitFlags : public ::testing::Test {
  protected:
    TempDir dir;
    ProcessResult server(std::vector<std::string> args) {
        args.insert(args.begin(),
                    {"--executable", "/bin/true", "--socket-path", dir.path() + "/s"});
        return run_server(args);
    }
};

TEST_F(LimitFlags, OutOfRangeOrMalformedValuesAreRefusedAtStart) {
    for (const auto& [flag, value] :
         std::vector<std::pair<std::string, std::string>>{{"--max-fds", "254"},
                                                          {"--max-fds", "2"},
                                                          {"--max-args", "-1"},
                                                          {"--max-args", "12x"},
                                                          {"--max-arg-bytes", "131072"},
                                                          {"--max-request-bytes", "65M"},
                                                          {"--max-env", ""}}) {
        const auto result = server({flag, value});
        EXPECT_EQ(result.exit_code(), 2) << flag << " " << value;
        EXPECT_NE(result.err.find(flag), std::string::npos) << result.err;
    }
}

TEST_F(LimitFlags, HelpListsEveryLimitWithItsDefault) {
    const auto result = server({"--help"});
    for (const char* text :
         {"--max-request-bytes", "1048576;", "--max-args", "4096;", "--max-arg-bytes", "131071;",
          "--max-env ", "256;", "--max-env-bytes", "131072;", "--max-file-args", "--max-file-bytes",
          "17179869184;", "--max-fds", "253;", "BRO_SERVER_MAX_FILE_BYTES",
          "--allow-dangerous-env"}) {
        EXPECT_NE(result.out.find(text), std::string::npos) << text;
    }
}

}  // namespace
}  // namespace bro::test
