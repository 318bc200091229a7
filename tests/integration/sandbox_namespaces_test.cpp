// The profile's namespaces, seen from inside the program: new ones are the sandbox holder's
// (compared by inode number), the program is pid 2 of a new pid namespace, ids are mapped in a
// user namespace, the hostname is set, --setns joins a running process's namespace.

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

class SandboxNamespaces : public SandboxTest {};

constexpr const char* kNamespaceNames[] = {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"};

TEST_F(SandboxNamespaces, EveryUnsharedNamespaceIsTheHoldersAndNotTheHosts) {
    start({"--unshare-all"});
    const std::string seen = in_both_modes(
        "for n in user mnt pid net ipc uts cgroup; do readlink /proc/self/ns/$n; "
        "done");
    const pid_t holder = holder_pid();
    ASSERT_GT(holder, 0) << server->log();
    std::string expected;
    for (const char* name : kNamespaceNames) {
        const std::string inside = namespace_of(holder, name);
        EXPECT_NE(inside, namespace_of(0, name)) << name << " is the host's";
        expected += inside + "\n";
    }
    EXPECT_EQ(seen, expected);
}

TEST_F(SandboxNamespaces, InAFreshPidNamespaceTheProgramIsPidTwoAndTheHolderPidOne) {
    start({"--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "--fresh-sandbox"});
    EXPECT_EQ(in_both_modes("echo $$; cat /proc/1/comm"), "2\nbro-server\n");
}

TEST_F(SandboxNamespaces, InThePreparedPidNamespaceEveryCallSeesTheHolderAsPidOne) {
    start({"--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc"});
    const std::string seen = in_both_modes("cat /proc/1/comm; test $$ -gt 1 && echo not-init");
    EXPECT_EQ(seen, "bro-server\nnot-init\n");
}

TEST_F(SandboxNamespaces, UidAndGidAreMappedInANewUserNamespace) {
    start({"--unshare-user", "--uid", "1000", "--gid", "1001"});
    EXPECT_EQ(in_both_modes("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | "
                            "tr -s ' ' | sed 's/^ //'"),
              "1000\n1001\n1000 0 1\n1001 0 1\n");
}

TEST_F(SandboxNamespaces, TheHostnameIsSetInANewUtsNamespaceOnly) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    start({"--unshare-uts", "--hostname", "sandboxed"});
    EXPECT_EQ(in_both_modes("cat /proc/sys/kernel/hostname"), "sandboxed\n");
    char after[256] = {};
    gethostname(after, sizeof after - 1);
    EXPECT_STREQ(after, host);
}

TEST_F(SandboxNamespaces, ANewNetworkNamespaceHasOnlyLoopback) {
    start({"--unshare-net"});
    EXPECT_EQ(in_both_modes("awk -F: 'NR > 2 { gsub(/ /, \"\", $1); print $1 }' /proc/net/dev"),
              "lo\n");
}

// A process in a network namespace of its own, killed and reaped at the end.
class ProcessInOwnNetwork {
  public:
    explicit ProcessInOwnNetwork(const TempDir& dir)
        : pid_(start_background({"/usr/bin/unshare", "--net", "/bin/sleep", "60"}, {},
                                dir.path() + "/unshare.log")) {}
    ~ProcessInOwnNetwork() {
        kill(pid_, SIGKILL);
        wait_with_deadline(pid_, std::chrono::seconds(10));
    }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_;
};

TEST_F(SandboxNamespaces, SetnsJoinsTheNamespaceOfARunningProcess) {
    const ProcessInOwnNetwork target(dir);
    ASSERT_TRUE(
        eventually([&] { return namespace_of(target.pid(), "net") != namespace_of(0, "net"); },
                   std::chrono::seconds(10)));
    start({"--setns", "/proc/" + std::to_string(target.pid()) + "/ns/net"});
    EXPECT_EQ(in_both_modes("readlink /proc/self/ns/net"),
              namespace_of(target.pid(), "net") + "\n");
}

TEST_F(SandboxNamespaces, SetnsOfANamespaceTheProfileCreatesIsRefusedAtStart) {
    const auto result =
        run_server({"--executable", "/bin/true", "--socket-path", dir.path() + "/s.sock",
                    "--unshare-net", "--setns", "/proc/self/ns/net"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("joins a net namespace, but the profile creates its own"),
              std::string::npos)
        << result.err;
}

// Namespace inode numbers are reused once a namespace is gone, so what a call leaves in the
// sandbox's writable /tmp is what tells one sandbox from another.
TEST_F(SandboxNamespaces, CallsShareThePreparedSandboxButNotAFreshOne) {
    for (const bool fresh : {false, true}) {
        std::vector<std::string> flags = {"--unshare-net", "--ro-bind", "/", "/",
                                          "--tmpfs",       "/tmp"};
        if (fresh) flags.push_back("--fresh-sandbox");
        start(flags);
        ASSERT_EQ(call("content", "touch /tmp/left-behind").exit_code(), 0) << server->log();
        const auto next = call("fd", "ls /tmp");
        EXPECT_EQ(next.out.find("left-behind") != std::string::npos, !fresh)
            << (fresh ? "fresh" : "prepared") << ": " << next.out << next.err;
    }
}

}  // namespace
}  // namespace bro::test
