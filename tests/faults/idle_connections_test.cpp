// Fault 7 and the idle-connection load: callers of two uids holding every connection they can
// must leave room for a third caller. Before, --max-sessions-per-uid 512 and --max-sessions
// 1024 let two uids take every slot, and everyone else, root included, was told "busy".

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fault_support.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

TEST(IdleConnections, TwoUidsHolding5000ConnectionsLeaveRoomForAThirdCaller) {
    BRO_SKIP_UNLESS_ROOT("connecting as two other uids");
    TempDir dir;
    chmod(dir.path().c_str(), 0755);  // the other uids must reach the socket
    BroServer server(dir, "/bin/echo", {"--request-timeout", "60", "--socket-mode", "0777"});
    const int baseline = settled_fd_count(server.pid());
    {
        const HeldConnections first(server.socket_path(), 65534, 65534, 2500);  // nobody
        const HeldConnections second(server.socket_path(), 1, 1, 2500);         // daemon
        report_figure("idle-connections.connections opened by two uids",
                      first.connected() + second.connected(), "connections");
        EXPECT_EQ(first.connected() + second.connected(), 5000);
        const auto started = Clock::now();
        const auto third = run_client(server, {.args = {"third"}, .timeout = 30s});
        report_figure("idle-connections.third caller's call (ms)", milliseconds_since(started),
                      "ms");
        EXPECT_EQ(third.exit_code(), 0) << third.err;
        EXPECT_EQ(third.out, "third\n");
        report_figure("idle-connections.server RSS while held (KiB)",
                      static_cast<double>(status_kib(server.pid(), "VmRSS")), "KiB");
    }
    EXPECT_TRUE(fd_count_returns_to(server.pid(), baseline));
}

}  // namespace
}  // namespace bro::test
