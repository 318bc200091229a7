// The sandbox over many calls: a thousand calls leave no mount, descriptor or process behind on
// the host; a fresh sandbox per call is reaped; a holder that dies is built again.

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sstream>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

// bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev, as a profile.
const std::vector<std::string> kBenchmarkProfile = {"--unshare-all", "--ro-bind", "/",     "/",
                                                    "--proc",        "/proc",     "--dev", "/dev"};

// The pids whose parent is `parent`.
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> children;
    DIR* proc = opendir("/proc");
    while (dirent* entry = readdir(proc)) {
        const std::string stat = read_file("/proc/" + std::string(entry->d_name) + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(stat.substr(close + 2));
        char state = 0;
        pid_t ppid = 0;
        fields >> state >> ppid;
        if (ppid == parent) children.push_back(std::stoi(entry->d_name));
    }
    closedir(proc);
    return children;
}

// The machine is shared with other programs that may mount something for a moment: wait (at most
// 10 s) for the host's mount table to have `count` entries again.
::testing::AssertionResult host_mounts_return_to(std::size_t count) {
    if (eventually([&] { return host_mount_count() == count; }, std::chrono::seconds(10))) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << host_mount_count() << " host mounts, expected " << count << ":\n"
           << read_file("/proc/self/mountinfo");
}

class SandboxLifecycle : public SandboxTest {
  protected:
    // `count` calls of the server's program, alternating content and fd mode; all must succeed.
    void call_many_times(int count) {
        for (int i = 0; i < count; ++i) {
            const auto result =
                run_client(*server, {.environment = {std::string("BRO_TRANSFER_MODE=") +
                                                     (i % 2 == 0 ? "content" : "fd")}});
            ASSERT_EQ(result.exit_code(), 0) << "call " << i << ": " << result.err << server->log();
        }
    }
};

TEST_F(SandboxLifecycle, AThousandCallsLeaveNoMountDescriptorOrProcessBehind) {
    start(kBenchmarkProfile, "/bin/true");
    const pid_t holder = holder_pid();
    ASSERT_GT(holder, 0) << server->log();
    call_many_times(2);  // anything done once, on the first calls, is done
    const std::size_t host_mounts = host_mount_count();
    const std::string sandbox_mounts = read_file("/proc/" + std::to_string(holder) + "/mountinfo");
    const int descriptors = settled_fd_count(server->pid());
    call_many_times(1000);
    EXPECT_TRUE(host_mounts_return_to(host_mounts));
    EXPECT_EQ(read_file("/proc/" + std::to_string(holder) + "/mountinfo"), sandbox_mounts);
    EXPECT_TRUE(fd_count_returns_to(server->pid(), descriptors));
    EXPECT_TRUE(eventually([&] { return children_of(server->pid()) == std::vector{holder}; },
                           std::chrono::seconds(10)))
        << "the server's children are not just the holder";
    EXPECT_TRUE(children_of(holder).empty()) << "the holder kept processes of finished calls";
}

// A fresh sandbox's holder leaves when its program has; the server reaps it at the next spawn.
// So after every holder so far has exited, one call reaps them all and leaves only its own.
TEST_F(SandboxLifecycle, FreshSandboxesAreReapedCallAfterCall) {
    std::vector<std::string> fresh = kBenchmarkProfile;
    fresh.push_back("--fresh-sandbox");
    start(fresh, "/bin/true");
    const auto settle_then_call = [&] {
        EXPECT_TRUE(eventually(
            [&] {
                for (const pid_t child : children_of(server->pid())) {
                    if (process_state(child) != 'Z') return false;
                }
                return true;
            },
            std::chrono::seconds(10)))
            << "a holder outlived its program";
        call_many_times(1);
    };
    settle_then_call();
    const std::size_t host_mounts = host_mount_count();
    const int descriptors = settled_fd_count(server->pid());
    call_many_times(20);
    settle_then_call();
    EXPECT_TRUE(host_mounts_return_to(host_mounts));
    EXPECT_TRUE(fd_count_returns_to(server->pid(), descriptors));
    EXPECT_EQ(children_of(server->pid()).size(), 1u) << "only the last call's holder may be left";
}

TEST_F(SandboxLifecycle, AHolderThatDiesIsBuiltAgainForTheNextCall) {
    start({"--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--tmpfs", "/tmp"});
    const pid_t holder = holder_pid();
    // What a call leaves in the sandbox's /tmp tells one sandbox from another (namespace inode
    // numbers are reused once a namespace is gone).
    ASSERT_EQ(call("content", "touch /tmp/left-behind").exit_code(), 0) << server->log();
    ASSERT_EQ(kill(holder, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return process_state(holder) == 'Z'; }, std::chrono::seconds(10)));
    for (const std::string mode : {"content", "fd"}) {
        const auto result = call(mode, "ls /tmp; readlink /proc/self/ns/net");
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out.find("left-behind"), std::string::npos)
            << mode << ": still the dead holder's sandbox";
    }
    EXPECT_NE(server->log().find("has died; building the sandbox again"), std::string::npos)
        << server->log();
    EXPECT_EQ(process_state(holder), '?') << "the dead holder was not reaped";
}

TEST_F(SandboxLifecycle, TheCallersSignalsReachAProgramInANewPidNamespace) {
    const std::string log = dir.path() + "/trapped";
    const std::string ready = dir.path() + "/ready";
    start({"--unshare-pid", "--ro-bind", "/", "/", "--bind", dir.path(), dir.path(), "--proc",
           "/proc"},
          dir.write_script("trapper", "trap \"echo INT >> '" + log +
                                          "'\" INT\n"
                                          "trap \"echo TERM >> '" +
                                          log +
                                          "'; exit 7\" TERM\n"
                                          "echo $$ > '" +
                                          ready +
                                          "'\n"
                                          "while :; do sleep 0.02; done"));
    for (const std::string mode : {"content", "fd"}) {
        unlink(log.c_str());
        unlink(ready.c_str());
        const pid_t client = start_background({client_binary()},
                                              {"BRO_SOCKET_PATH=" + server->socket_path(),
                                               "BRO_TRANSFER_MODE=" + mode, "BRO_LOG=debug"},
                                              dir.path() + "/client.log");
        ASSERT_TRUE(
            eventually([&] { return !read_file(ready).empty(); }, std::chrono::seconds(10)));
        // The program runs before the client hears so (the Started frame), and until then
        // SIGINT ends the call instead of reaching the program.
        ASSERT_TRUE(eventually(
            [&] {
                return read_file(dir.path() + "/client.log").find("the program started") !=
                       std::string::npos;
            },
            std::chrono::seconds(10)))
            << mode << ": " << read_file(dir.path() + "/client.log");
        EXPECT_NE(read_file(ready), "1\n") << "the program must not be the namespace's init";
        kill(client, SIGINT);
        EXPECT_TRUE(eventually([&] { return read_file(log) == "INT\n"; }, std::chrono::seconds(5)))
            << mode << ": " << read_file(log);
        kill(client, SIGTERM);
        const auto status = wait_with_deadline(client, std::chrono::seconds(10));
        ASSERT_TRUE(status && WIFEXITED(*status)) << mode;
        EXPECT_EQ(WEXITSTATUS(*status), 7) << mode << ": " << read_file(dir.path() + "/client.log");
        EXPECT_EQ(read_file(log), "INT\nTERM\n") << mode;
    }
}

}  // namespace
}  // namespace bro::test
