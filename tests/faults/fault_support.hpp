#pragma once
// What the fault suite's tests share: privilege checks that skip with a reason, figures the
// suite reports, raw requests, connections held open by another uid, and a cgroup made for
// one test.

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../integration/bro_fixture.hpp"
#include "../integration/raw_connection.hpp"

namespace bro::test {

#define BRO_SKIP_UNLESS_ROOT(what) \
    if (geteuid() != 0) GTEST_SKIP() << "needs root (" << what << "); CI runs as root"

// One measured figure of the suite: printed as "[figure] NAME: VALUE UNIT" (the closing note
// collects these) and recorded as a test property.
void report_figure(const std::string& name, double value, const std::string& unit);

using Clock = std::chrono::steady_clock;
double milliseconds_since(Clock::time_point start);

// A content-mode Request frame for `arguments`, run in `cwd`, without stdin or files.
Bytes content_request(std::string_view cwd, std::vector<std::string_view> arguments = {});
// The same for fd mode, sent with three descriptors of /dev/null (stdin, stdout, stderr) and
// no descriptor of the working directory, so the server goes by the path.
Bytes fd_request(std::string_view cwd, std::vector<std::string_view> arguments = {});
// Sends an fd-mode request on `connection` with /dev/null as its three standard streams.
bool send_fd_request(RawConnection& connection, const Bytes& frame);

// `count` connections to `socket_path` opened and held by a process running as `uid`/`gid`,
// until the object is destroyed. Needs root.
class HeldConnections {
  public:
    HeldConnections(const std::string& socket_path, uid_t uid, gid_t gid, int count);
    ~HeldConnections();
    HeldConnections(const HeldConnections&) = delete;
    HeldConnections& operator=(const HeldConnections&) = delete;
    // How many connect() calls succeeded.
    int connected() const { return connected_; }

  private:
    pid_t pid_ = -1;
    int release_ = -1;  // closing it tells the holder to close its connections and exit
    int connected_ = 0;
};

// A cgroup v2 directory made for one test (under the unified hierarchy), removed at the end
// after killing what is left in it.
class TestCgroup {
  public:
    // Where cgroup v2 is mounted (on its own, or beside v1 as "unified"), or nullopt.
    static std::optional<std::string> unified_mount();
    explicit TestCgroup(const std::string& name);
    ~TestCgroup();
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;
    const std::string& path() const { return path_; }
    // Marks it delegated the way systemd does for Delegate=yes (the trusted.delegate xattr).
    bool mark_delegated() const;
    // The command prefix that moves a process into this cgroup and execs the rest.
    std::vector<std::string> enter_prefix() const;

  private:
    std::string path_;
};

// Starts a process like start_background, but with `stdout_fd` as its stdout.
pid_t start_with_stdout(const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment, int stdout_fd,
                        const std::string& stderr_file);

// The names in `directory` (without . and ..); empty when it cannot be read.
std::vector<std::string> entries_of(const std::string& directory);

}  // namespace bro::test
