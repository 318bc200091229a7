// Fault 8: before the program starts, Ctrl-C (SIGINT) or SIGTERM at the client ends the call:
// the client exits at once as interrupted (130, 143) and the server, once it gets to the
// request, does not run it. After the start, signals are forwarded as before (the Lifecycle
// tests).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

struct InterruptCase {
    std::string mode;
    int signal;
};

class InterruptBeforeStart : public ::testing::TestWithParam<InterruptCase> {};

// Before: the signal was forwarded into a connection nobody read, the client waited on, and
// once the server resumed it ran the command.
TEST_P(InterruptBeforeStart, EndsTheCallAndTheServerNeverRunsIt) {
    const auto [mode, signal] = GetParam();
    TempDir dir;
    const std::string marker = dir.path() + "/ran";
    BroServer server(dir, dir.write_script("mark", "echo ran > '" + marker + "'"),
                     {"--transfer-modes", "content,fd"});
    pid_t client = -1;
    {
        const StoppedProcess stopped(server.pid());  // it accepts nothing until the scope ends
        ASSERT_TRUE(stopped.stopped());
        const std::string log = dir.path() + "/client.log";
        client = start_background({client_binary()},
                                  {"BRO_SOCKET_PATH=" + server.socket_path(),
                                   "BRO_TRANSFER_MODE=" + mode, "BRO_LOG=debug"},
                                  log);
        ASSERT_TRUE(eventually(
            [&] { return read_file(log).find("connected to") != std::string::npos; }, 10s))
            << read_file(log);
        const auto interrupted_at = Clock::now();
        kill(client, signal);
        const auto status = wait_with_deadline(client, 5s);
        report_figure("interrupt." + mode + "." + sigabbrev_np(signal) +
                          ".client ended after the signal (ms)",
                      milliseconds_since(interrupted_at), "ms");
        ASSERT_TRUE(status) << "the client waited for the stopped server";
        const bool ended_by_it = (WIFSIGNALED(*status) && WTERMSIG(*status) == signal) ||
                                 (WIFEXITED(*status) && WEXITSTATUS(*status) == 128 + signal);
        EXPECT_TRUE(ended_by_it) << "status " << *status << ": " << read_file(log);
    }
    // The log line comes where the spawn would have been: a run would have marked by now.
    EXPECT_TRUE(wait_for_log(server, "before the program started")) << server.log();
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the interrupted call ran";
    EXPECT_EQ(run_client(server, {.environment = {"BRO_TRANSFER_MODE=" + mode}}).exit_code(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Signals, InterruptBeforeStart,
    ::testing::Values(InterruptCase{"content", SIGINT}, InterruptCase{"content", SIGTERM},
                      InterruptCase{"fd", SIGINT}, InterruptCase{"fd", SIGTERM}),
    [](const auto& info) { return info.param.mode + "_" + sigabbrev_np(info.param.signal); });

}  // namespace
}  // namespace bro::test
