// Fault 4: a server short of descriptors says it is busy, and why, instead of blaming the
// caller's request; admission counts descriptors as well as sessions; and the server keeps
// serving once the pressure is gone.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

struct Outcomes {
    int succeeded = 0;
    int busy = 0;
    std::vector<std::string> other;  // anything else: the client's stderr and status
};

// Starts `count` clients at once (transfer mode `mode`), waits for all, sorts their endings.
Outcomes call_concurrently(const BroServer& server, const TempDir& dir, int count,
                           const std::string& mode) {
    std::vector<pid_t> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(start_background(
            {client_binary()},
            {"BRO_SOCKET_PATH=" + server.socket_path(), "BRO_TRANSFER_MODE=" + mode},
            dir.path() + "/client" + std::to_string(i) + ".log"));
    }
    Outcomes outcomes;
    for (int i = 0; i < count; ++i) {
        const auto status = wait_with_deadline(clients[i], 60s);
        const std::string err = read_file(dir.path() + "/client" + std::to_string(i) + ".log");
        if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
            ++outcomes.succeeded;
        } else if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 125 &&
                   err.find("busy") != std::string::npos &&
                   err.find('\n') == err.size() - 1) {  // one line
            ++outcomes.busy;
        } else {
            outcomes.other.push_back((status ? "status " + std::to_string(*status) : "hung") +
                                     ": " + err);
        }
    }
    return outcomes;
}

class DescriptorPressure : public ::testing::TestWithParam<std::string> {
  protected:
    TempDir dir;
};

// Before: with RLIMIT_NOFILE at 256 and 200 concurrent fd-mode calls, most failed with "the
// request passes more than 253 descriptors (set by bro-server --max-fds)" (MSG_CTRUNC: the
// server had none left), and the clients never heard that the server was busy.
TEST_P(DescriptorPressure, AServerShortOfDescriptorsAnswersBusyAndKeepsServing) {
    BroServer server(dir, dir.write_script("pause", "sleep 0.3"),
                     {"--transfer-modes", "content,fd"}, {},
                     {"/usr/bin/prlimit", "--nofile=256:256"});
    const auto started = Clock::now();
    const Outcomes outcomes = call_concurrently(server, dir, 200, GetParam());
    report_figure("descriptors." + GetParam() + ".200 calls at RLIMIT_NOFILE 256: succeeded",
                  outcomes.succeeded, "calls");
    report_figure("descriptors." + GetParam() + ".200 calls at RLIMIT_NOFILE 256: busy",
                  outcomes.busy, "calls");
    report_figure("descriptors." + GetParam() + ".200 calls at RLIMIT_NOFILE 256: took",
                  milliseconds_since(started), "ms");
    EXPECT_TRUE(outcomes.other.empty())
        << outcomes.other.size() << " calls ended otherwise, first: " << outcomes.other.front()
        << server.log().substr(0, 4000);
    EXPECT_GT(outcomes.succeeded, 0);
    EXPECT_EQ(outcomes.succeeded + outcomes.busy, 200);
    const auto after = run_client(server, {.environment = {"BRO_TRANSFER_MODE=" + GetParam()}});
    EXPECT_EQ(after.exit_code(), 0) << after.err;
}

INSTANTIATE_TEST_SUITE_P(BothModes, DescriptorPressure, ::testing::Values("content", "fd"));

// EMFILE at the server itself: a limit so low that accept() and pipe2() fail. Every caller
// is answered (run or busy), none hangs, and the server serves afterwards.
TEST(DescriptorExhaustion, EveryCallerIsAnsweredWhenTheServerRunsOutOfDescriptors) {
    TempDir dir;
    BroServer server(dir, dir.write_script("pause", "sleep 0.2"),
                     {"--transfer-modes", "content,fd"}, {},
                     {"/usr/bin/prlimit", "--nofile=40:40"});
    const Outcomes outcomes = call_concurrently(server, dir, 60, "content");
    report_figure("descriptors.60 calls at RLIMIT_NOFILE 40: succeeded", outcomes.succeeded,
                  "calls");
    EXPECT_TRUE(outcomes.other.empty())
        << outcomes.other.size() << " calls ended otherwise, first: " << outcomes.other.front();
    EXPECT_GT(outcomes.succeeded, 0);
    EXPECT_EQ(run_client(server, {}).exit_code(), 0) << server.log().substr(0, 4000);
}

}  // namespace
}  // namespace bro::test
