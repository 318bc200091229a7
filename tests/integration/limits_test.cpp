// bro-server's --max-* limits: a request exactly at a limit runs; one just beyond it is refused
// with a message naming the limit, its value and the flag, the client exits 125, the server
// logs one line, and the server goes on serving others.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bro_fixture.hpp"
#include "raw_connection.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

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

// One --max-* limit's boundary as bro-client calls meet it.
struct LimitCase {
    std::string executable;
    std::string flag;   // without "--": what the refusal names
    std::string value;  // the limit
    std::vector<std::string> other_flags = {};
    ClientRun at_limit = {};
    std::string at_limit_out = {};    // what the program prints for the call at the limit
    ClientRun beyond = {};            // one more than the limit
    std::string refusal = {};         // what the refusal says
    bool prints_environment = false;  // at_limit_out is `env` output without BRO_PEER_*
};

// A row of the table: files its calls name are written into `dir`.
struct LimitRow {
    std::string name;  // the last part of the test's name
    LimitCase (*make)(const TempDir& dir);
};

void PrintTo(const LimitRow& row, std::ostream* out) {
    *out << row.name;
}

LimitCase argument_count(const TempDir&) {
    return {.executable = "/bin/echo",
            .flag = "max-args",
            .value = "3",
            .at_limit = {.args = {"a", "b", "c"}},
            .at_limit_out = "a b c\n",
            .beyond = {.args = {"a", "b", "c", "d"}},
            .refusal = "too many arguments: 4, limit 3"};
}

LimitCase argument_length(const TempDir&) {
    return {.executable = "/bin/echo",
            .flag = "max-arg-bytes",
            .value = "10",
            .at_limit = {.args = {"x", std::string(10, 'a')}},
            .at_limit_out = "x " + std::string(10, 'a') + "\n",
            .beyond = {.args = {"x", std::string(11, 'a')}},
            .refusal = "argument 2 is 11 bytes, limit 10"};
}

LimitCase environment_count(const TempDir&) {
    return {.executable = "/usr/bin/env",
            .flag = "max-env",
            .value = "2",
            .other_flags = {"--allowed-env", "A,B,C"},
            .at_limit = {.environment = {"BRO_FORWARD_ENV=A,B", "A=1", "B=2", "C=3"}},
            .at_limit_out = "A=1\nB=2\n",
            .beyond = {.environment = {"BRO_FORWARD_ENV=A,B,C", "A=1", "B=2", "C=3"}},
            .refusal = "too many environment variables: 3, limit 2",
            .prints_environment = true};
}

LimitCase environment_bytes(const TempDir&) {
    return {.executable = "/usr/bin/env",
            .flag = "max-env-bytes",
            .value = "10",
            .other_flags = {"--allowed-env", "A"},
            .at_limit = {.environment = {"BRO_FORWARD_ENV=A", "A=123456789"}},
            .at_limit_out = "A=123456789\n",
            .beyond = {.environment = {"BRO_FORWARD_ENV=A", "A=1234567890"}},
            .refusal = "take at least 11 bytes (names and values), limit 10",
            .prints_environment = true};
}

// The limit is the size of the call's Request payload, which the client's debug log gives
// as the frame's size (payload + 5-byte header).
LimitCase request_bytes(const TempDir& dir) {
    const std::vector<std::string> args = {std::string(300, 'r')};
    BroServer probe(dir, "/bin/true");
    const auto run = run_client(probe, {.args = args, .environment = {"BRO_LOG=debug"}});
    const auto at = run.err.find(" bytes\n", run.err.find("request: "));
    if (at == std::string::npos) throw std::runtime_error("no request size in: " + run.err);
    const std::size_t frame_bytes = std::stoul(run.err.substr(run.err.rfind(' ', at - 1) + 1));
    const std::string limit = std::to_string(frame_bytes - 5);
    return {.executable = "/bin/echo",
            .flag = "max-request-bytes",
            .value = limit,
            .at_limit = {.args = args},
            .at_limit_out = args[0] + "\n",
            .beyond = {.args = {std::string(301, 'r')}},
            .refusal = "request is " + std::to_string(frame_bytes - 4) + " bytes, limit " + limit};
}

using Files = std::vector<std::pair<std::string, std::string>>;  // name, content

// cat of file arguments (BRO_FILE_ARGS=1): the call at the limit names `at_limit`, the one
// beyond it `beyond`; the files are written into `dir`.
LimitCase cat_of_files(const TempDir& dir, const std::string& flag, const std::string& value,
                       const Files& at_limit, const Files& beyond, const std::string& refusal) {
    LimitCase limit{.executable = "/bin/cat", .flag = flag, .value = value, .refusal = refusal};
    for (const auto& [name, content] : at_limit) {
        limit.at_limit.args.push_back(dir.write_file(name, content));
        limit.at_limit_out += content;
    }
    for (const auto& [name, content] : beyond) {
        limit.beyond.args.push_back(dir.write_file(name, content));
    }
    limit.at_limit.environment = limit.beyond.environment = {"BRO_FILE_ARGS=1"};
    return limit;
}

LimitCase file_argument_count(const TempDir& dir) {
    return cat_of_files(dir, "max-file-args", "2", {{"a", "A"}, {"b", "B"}},
                        {{"a", "A"}, {"b", "B"}, {"c", "C"}},
                        "too many file arguments: 3, limit 2");
}

LimitCase file_bytes(const TempDir& dir) {
    return cat_of_files(dir, "max-file-bytes", "10", {{"six", "123456"}, {"four", "abcd"}},
                        {{"six", "123456"}, {"five", "abcde"}},
                        "file arguments hold more than 10 bytes");
}

// stdin, stdout, stderr and the working directory: 4; a file argument makes 5.
LimitCase fd_count(const TempDir& dir) {
    const auto file = dir.write_file("f", "content");
    return {.executable = "/bin/cat",
            .flag = "max-fds",
            .value = "4",
            .other_flags = {"--fd-passing"},
            .at_limit = {.stdin_data = "in"},
            .at_limit_out = "in",
            .beyond = {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}},
            .refusal = "descriptors, limit 4"};
}

class ServerLimit : public Limits, public ::testing::WithParamInterface<LimitRow> {};

// The call at the limit runs before and after the refusal (which touches only its own
// session), and no session leaves copies in --tmpdir.
TEST_P(ServerLimit, ACallAtTheLimitRunsAndOneBeyondIsRefused) {
    const LimitCase limit = GetParam().make(dir);
    TempDir tmp;
    std::vector<std::string> flags = {"--" + limit.flag, limit.value, "--tmpdir", tmp.path()};
    flags.insert(flags.end(), limit.other_flags.begin(), limit.other_flags.end());
    BroServer server(dir, limit.executable, flags);
    const auto expect_runs_at_the_limit = [&](const char* when) {
        const auto result = run_client(server, limit.at_limit);
        EXPECT_EQ(result.exit_code(), 0) << when << ": " << result.err;
        EXPECT_EQ(limit.prints_environment ? without_peer_variables(result.out) : result.out,
                  limit.at_limit_out)
            << when;
    };
    expect_runs_at_the_limit("before the refusal");
    expect_refused(run_client(server, limit.beyond), server, limit.flag, limit.refusal);
    expect_runs_at_the_limit("after the refusal");
    EXPECT_TRUE(eventually([&] { return std::filesystem::is_empty(tmp.path()); }, 10s))
        << "session copies left in --tmpdir";
}

INSTANTIATE_TEST_SUITE_P(Limits, ServerLimit,
                         ::testing::Values(LimitRow{"ArgumentCount", argument_count},
                                           LimitRow{"ArgumentLength", argument_length},
                                           LimitRow{"EnvironmentCount", environment_count},
                                           LimitRow{"EnvironmentBytes", environment_bytes},
                                           LimitRow{"RequestBytes", request_bytes},
                                           LimitRow{"FileArgumentCount", file_argument_count},
                                           LimitRow{"FileBytes", file_bytes},
                                           LimitRow{"FdCount", fd_count}),
                         [](const ::testing::TestParamInfo<LimitRow>& info) {
                             return info.param.name;
                         });

// The client sends the whole request, so only a header sent alone shows that the server
// refuses from it, without waiting for the payload it announces.
TEST_F(Limits, HugeRequestIsRefusedFromItsHeaderAlone) {
    BroServer server(dir, "/bin/echo", {"--max-request-bytes", "1K"});
    const std::string huge(100000, 'h');
    expect_refused(run_client(server, {.args = {huge}}), server, "max-request-bytes", "limit 1024");
    const std::string_view huge_argument[] = {huge};
    protocol::RequestView view;
    view.cwd = "/";
    view.arguments = huge_argument;
    const Bytes frame = request_frame(view);
    const Bytes header(frame.begin(), frame.begin() + protocol::kFrameHeaderBytes);
    const Reply reply = send_and_read_reply(server.socket_path(), header);
    EXPECT_NE(reply.error().find("request is " +
                                 std::to_string(frame.size() - protocol::kFrameHeaderBytes) +
                                 " bytes, limit 1024"),
              std::string::npos)
        << "got '" << reply.error() << "'";
    expect_still_serving(server);
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

// The running program waits at a gate (a FIFO) until the refusal is over, so the refusal
// certainly happens while it runs.
TEST_F(Limits, RefusalDoesNotDisturbARunningSession) {
    const std::string started = dir.path() + "/started";
    const std::string gate = dir.path() + "/gate";
    ASSERT_EQ(mkfifo(gate.c_str(), 0600), 0) << std::strerror(errno);
    BroServer server(dir, "/bin/sh", {"--max-args", "3"});
    ProcessResult running;
    std::thread other([&] {
        running = run_client(server, {.args = {"-c", "echo > '" + started + "'; read go < '" +
                                                         gate + "'; read line; echo \"got $line\""},
                                      .stdin_data = "hello\n",
                                      .timeout = 30s});
    });
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(started); }, 10s))
        << "the running session never started";
    expect_refused(run_client(server, {.args = {"-c", "true", "x", "y"}}), server, "max-args",
                   "too many arguments: 4, limit 3");
    // Opening without blocking fails (ENXIO) until the program has the gate open for reading.
    int gate_fd = -1;
    EXPECT_TRUE(eventually(
        [&] { return (gate_fd = open(gate.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; },
        10s));
    if (gate_fd >= 0) {
        EXPECT_EQ(write(gate_fd, "go\n", 3), 3);
        close(gate_fd);
    }
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
