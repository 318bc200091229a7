// Trying a profile without serving: bro-server --check (broot's check) and --run (dived's
// just-execute), and how --help presents the profile flags.

#include <unistd.h>

#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

class SandboxCli : public SandboxTest {
  protected:
    ProcessResult check(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--executable", "/bin/true", "--check"});
        return run_server(args);
    }
};

// Where `needle` starts in `text`, npos when it is not there.
std::size_t at(const std::string& text, const std::string& needle) {
    return text.find(needle);
}

TEST_F(SandboxCli, CheckPrintsTheEffectiveProfileInOrderAndTriesItOnce) {
    const auto result =
        check({"--cap-drop", "ALL", "--unshare-net", "--ro-bind", "/", "/", "--rlimit", "core=0"});
    EXPECT_EQ(result.exit_code(), 0) << result.out << result.err;
    const std::string& out = result.out;
    EXPECT_LT(at(out, "--rlimit core=0"), at(out, "create namespaces: mount,net")) << out;
    EXPECT_LT(at(out, "create namespaces: mount,net"), at(out, "--ro-bind / /")) << out;
    EXPECT_LT(at(out, "--ro-bind / /"), at(out, "join the sandbox's namespaces")) << out;
    EXPECT_LT(at(out, "join the sandbox's namespaces"), at(out, "--cap-drop ALL")) << out;
    EXPECT_NE(at(out, "ok: a throwaway child went through every step"), std::string::npos) << out;
}

TEST_F(SandboxCli, CheckNamesTheOperationAndThePathThatFail) {
    const auto result = check({"--unshare-net", "--bind", "/srv/no/such/dir", "/data"});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(at(result.out,
                 "FAILED: could not build the sandbox: --bind /srv/no/such/dir /data: "
                 "stat /srv/no/such/dir: No such file or directory"),
              std::string::npos)
        << result.out;
}

TEST_F(SandboxCli, CheckFindsAnExecutableThatTheSandboxDoesNotHave) {
    const auto result = check({"--ro-bind", "/usr/share", "/usr/share"});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(at(result.out,
                 "could not execute the program: No such file or directory "
                 "(execute (checked, not run) /bin/true)"),
              std::string::npos)
        << result.out;
}

TEST_F(SandboxCli, CheckSaysWhatToDoWithoutThePrivilegeForNamespaces) {
    const auto result =
        run_server({"--executable", "/bin/true", "--check", "--unshare-net"}, {},
                   {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(at(result.out,
                 "clone3 into new mount,net namespaces (run bro-server as root, or add "
                 "--unshare-user): Operation not permitted"),
              std::string::npos)
        << result.out << result.err;
}

TEST_F(SandboxCli, AnUnprivilegedServerBuildsItsSandboxInAUserNamespace) {
    const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=nobody",
                                                "--regid=nogroup", "--clear-groups"};
    if (run_process({.argv = {as_nobody[0], as_nobody[1], as_nobody[2], as_nobody[3],
                              "/usr/bin/unshare", "--user", "/bin/true"}})
            .exit_code() != 0) {
        GTEST_SKIP() << "this kernel does not let unprivileged users create user namespaces";
    }
    const auto result = run_server(
        {"--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "--tmpfs",
         "/tmp", "--run", "--", "sh", "-c", "id -un; echo $$; touch /tmp/x && echo private-tmp"},
        {}, as_nobody);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "nobody\n2\nprivate-tmp\n");
}

TEST_F(SandboxCli, RunExecutesTheCommandUnderTheProfileAndExitsAsItDid) {
    const auto result = run_server({"--unshare-uts", "--hostname", "tried", "--run", "--", "sh",
                                    "-c", "cat /proc/sys/kernel/hostname; exit 3"});
    EXPECT_EQ(result.exit_code(), 3) << result.err;
    EXPECT_EQ(result.out, "tried\n");
}

TEST_F(SandboxCli, RunNeedsItsCommandAfterTheDoubleDash) {
    auto result = run_server({"--unshare-net", "--run"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(at(result.err, "--run: give the command after --"), std::string::npos) << result.err;
    result = run_server({"--executable", "/bin/true", "--check", "--", "extra"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(at(result.err, "unexpected argument 'extra'"), std::string::npos) << result.err;
}

TEST_F(SandboxCli, ProfileFlagsAreGroupedInHelpAndHaveNoEnvironmentVariables) {
    const auto help = run_server({"--help"});
    for (const char* heading :
         {"Sandbox: namespaces", "Sandbox: filesystem, applied in the order",
          "Sandbox: a build root (broot)", "Sandbox: process attributes (dived)",
          "Sandbox: when it is built"}) {
        EXPECT_NE(at(help.out, heading), std::string::npos) << heading;
    }
    EXPECT_EQ(at(help.out, "BRO_SERVER_RO_BIND"), std::string::npos);
    const auto result = run_server({"--executable", "/bin/true", "--check"},
                                   {"BRO_SERVER_UNSHARE_NET=1", "BRO_SERVER_CHECK=1"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_NE(at(result.out, "no execution profile"), std::string::npos) << result.out;
}

TEST_F(SandboxCli, ASharedTmpdirAndFdModeWithoutDevAreWarnedAbout) {
    const auto result = run_server({"--executable", "/bin/true", "--check", "--tmpdir", "/tmp",
                                    "--transfer-modes", "content,fd", "--ro-bind", "/usr", "/usr"});
    EXPECT_NE(at(result.err, "--tmpdir /tmp is shared with other programs"), std::string::npos)
        << result.err;
    EXPECT_NE(at(result.err, "add --dev /dev and --proc /proc"), std::string::npos) << result.err;
    const auto quiet = check({"--tmpdir", dir.path() + "/sessions", "--ro-bind", "/", "/"});
    EXPECT_EQ(at(quiet.err, "is shared with other programs"), std::string::npos) << quiet.err;
    EXPECT_EQ(at(quiet.err, "add --dev /dev"), std::string::npos) << quiet.err;
}

}  // namespace
}  // namespace bro::test
