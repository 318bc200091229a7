// broot's build root through bro: gcc runs in a read-only root (the host's /, bound read-only:
// no debootstrap needed) with the sources read-only, the output writable, a tmpfs for its
// temporary files and no capability, and builds a small C program in both transfer modes.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

constexpr const char* kHello = R"(#include <stdio.h>
int main(void) { puts("built in the build root"); return 0; }
)";

class BuildRoot : public SandboxTest {
  protected:
    void SetUp() override {
        SandboxTest::SetUp();
        if (IsSkipped()) return;
        if (access("/usr/bin/gcc", X_OK) != 0) GTEST_SKIP() << "gcc is not installed";
        ASSERT_EQ(mkdir(source().c_str(), 0755), 0);
        ASSERT_EQ(mkdir(output().c_str(), 0755), 0);
        dir.write_file("src/hello.c", kHello);
        start({"--build-root", "/", "--src", source(), "--out", output(), "--tmpfs-at", "/tmp",
               "--inherit-env", "PATH"},
              "/usr/bin/gcc");
    }

    std::string source() const { return dir.path() + "/src"; }
    std::string output() const { return dir.path() + "/out"; }

    // gcc ARGS through bro-client in `mode`, from the source directory.
    ProcessResult gcc(const std::string& mode, const std::vector<std::string>& args) const {
        ProcessOptions options;
        options.argv = {"/bin/sh", "-c", R"(cd "$SRC" && exec "$BRO" "$@")", "sh"};
        options.argv.insert(options.argv.end(), args.begin(), args.end());
        options.environment = {"BRO=" + client_binary(), "BRO_SOCKET_PATH=" + server->socket_path(),
                               "BRO_TRANSFER_MODE=" + mode, "SRC=" + source(),
                               "PATH=/usr/bin:/bin"};
        options.timeout = std::chrono::seconds(120);
        return run_process(options);
    }
};

TEST_F(BuildRoot, GccBuildsAProgramFromTheReadOnlySourcesIntoTheWritableOutput) {
    for (const std::string mode : {"content", "fd"}) {
        const std::string program = output() + "/hello-" + mode;
        const auto built = gcc(mode, {"-o", program, "hello.c"});
        ASSERT_EQ(built.exit_code(), 0) << mode << ": " << built.err << server->log();
        const auto ran = run_process({.argv = {program}});
        EXPECT_EQ(ran.out, "built in the build root\n") << mode;
    }
}

TEST_F(BuildRoot, TheSourcesAndTheRootCannotBeWritten) {
    for (const std::string mode : {"content", "fd"}) {
        for (const std::string& target : {source() + "/hello", std::string("/usr/local/hello")}) {
            const auto built = gcc(mode, {"-o", target, "hello.c"});
            EXPECT_NE(built.exit_code(), 0) << mode << ": " << target;
            EXPECT_NE(built.err.find("Read-only file system"), std::string::npos)
                << mode << ": " << built.err;
        }
    }
    EXPECT_NE(access((source() + "/hello").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace bro::test
