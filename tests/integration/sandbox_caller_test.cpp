// The caller's context inside a changed root: its directory is looked up by path inside the new
// root (never entered through fd mode's descriptor, which would lead out of it), and content
// mode's copies of file arguments are where argv says inside the sandbox.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

// A tmpfs root with /usr, /proc and /dev, where the test's temp dir does not exist.
const std::vector<std::string> kRootWithoutTheCaller = {
    "--ro-bind", "/usr",      "/usr",      "--symlink", "usr/bin", "/bin",  "--symlink", "usr/lib",
    "/lib",      "--symlink", "usr/lib64", "/lib64",    "--proc",  "/proc", "--dev",     "/dev"};

std::vector<std::string> with(std::vector<std::string> flags,
                              const std::vector<std::string>& more) {
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

class SandboxCaller : public SandboxTest {
  protected:
    // A directory of the caller that the sandbox does not have (dir is partly inside: the
    // session directories are bound at their own path).
    TempDir outside;
};

TEST_F(SandboxCaller, TheCallersDirectoryIsFoundByPathInsideTheNewRoot) {
    ASSERT_EQ(mkdir((dir.path() + "/project").c_str(), 0755), 0);
    dir.write_file("project/notes.txt", "inside\n");
    start({"--ro-bind", "/", "/"});
    for (const std::string mode : {"content", "fd"}) {
        const auto result = call(mode, "pwd; cat notes.txt", {}, dir.path() + "/project");
        EXPECT_EQ(result.out, dir.path() + "/project\ninside\n") << mode << ": " << result.err;
    }
}

TEST_F(SandboxCaller, ADirectoryOutsideTheNewRootFallsBackToItsRootNeverLeadingOut) {
    outside.write_file("secret.txt", "host file\n");
    start(kRootWithoutTheCaller);
    for (const std::string mode : {"content", "fd"}) {
        // Through fd mode's descriptor the program would be in the host's directory, outside
        // its root: pwd would print "(unreachable)" or the path, and cat would find the file.
        const auto result =
            call(mode, "pwd; cat secret.txt 2>&1 | grep -c 'No such file'", {}, outside.path());
        EXPECT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "/\n1\n") << mode;
    }
}

TEST_F(SandboxCaller, CallerStrictRefusesADirectoryOutsideTheNewRoot) {
    start(with(kRootWithoutTheCaller, {"--cwd", "caller-strict"}));
    for (const std::string mode : {"content", "fd"}) {
        const auto result = call(mode, "pwd", {}, outside.path());
        EXPECT_EQ(result.exit_code(), 126) << mode << ": " << result.out;
        EXPECT_NE(result.err.find("could not change to the working directory"), std::string::npos)
            << mode << ": " << result.err;
        EXPECT_NE(result.err.find(outside.path()), std::string::npos) << mode << ": " << result.err;
    }
}

TEST_F(SandboxCaller, FileArgumentsAreReadableInsideTheSandboxWhereArgvPoints) {
    dir.write_file("input.txt", "the caller's file\n");
    start(kRootWithoutTheCaller);
    const auto content = call("content", R"(cat "$1"; echo "$1")", {"input.txt"});
    EXPECT_EQ(content.exit_code(), 0) << content.err << server->log();
    EXPECT_EQ(content.out.rfind("the caller's file\n" + dir.path() + "/sessions/", 0), 0u)
        << content.out;
    const auto fd = call("fd", R"(cat "$1"; echo "$1")", {"input.txt"});
    EXPECT_EQ(fd.out, "the caller's file\n/dev/fd/3\n") << fd.err;
}

TEST_F(SandboxCaller, AProgramCanWriteItsContentModeCopyInsideAReadOnlyRoot) {
    dir.write_file("input.txt", "before\n");
    start({"--ro-bind", "/", "/"});
    const auto result = call("content", R"(echo after > "$1" && cat "$1")", {"input.txt"});
    EXPECT_EQ(result.out, "after\n") << result.err;
    EXPECT_EQ(read_file(dir.path() + "/input.txt"), "before\n");
}

}  // namespace
}  // namespace bro::test
