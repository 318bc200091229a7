// Wrapper files: a text file "#!/path/to/bro-client" plus BRO_* settings, executed directly by
// the kernel with no shell (client/wrapper_file.hpp), and the static, glibc-free client itself.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class WrapperFile : public ::testing::Test {
  protected:
    // An executable wrapper file at dir/name: the #! line naming the client, then `body`.
    std::string write_wrapper(const std::string& name, const std::string& body) const {
        return dir.write_file(name, "#!" + client_binary() + "\n" + body, 0755);
    }

    // Runs `program` with `args` and only `environment` (no BRO_SOCKET_PATH of its own).
    static ProcessResult run(const std::string& program, std::vector<std::string> args,
                             std::vector<std::string> environment = {}) {
        std::vector<std::string> argv = {program};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process({.argv = argv, .environment = std::move(environment)});
    }

    TempDir dir;
};

TEST_F(WrapperFile, RunsTheToolWithTheFilesSettingsAndTheCallersArguments) {
    BroServer server(dir, "/bin/echo");
    const std::string wrapper =
        write_wrapper("echo", "# a wrapper for echo\n\n  BRO_SOCKET_PATH=" + server.socket_path() +
                                  "\r\n\t# indented comment\n");
    const auto result = run(wrapper, {"hello", "from a wrapper file"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "hello from a wrapper file\n");
}

TEST_F(WrapperFile, SettingsOverrideTheCallersEnvironment) {
    BroServer server(dir, "/bin/echo");  // content mode only
    const std::string wrapper = write_wrapper(
        "echo", "BRO_SOCKET_PATH=" + server.socket_path() + "\nBRO_TRANSFER_MODE=content\n");
    const auto result =
        run(wrapper, {"overridden"},
            {"BRO_SOCKET_PATH=" + dir.path() + "/nothing-here.sock", "BRO_TRANSFER_MODE=fd"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "overridden\n");
}

TEST_F(WrapperFile, TheCallersEnvironmentStillSuppliesWhatTheFileLeavesOut) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "GREETING"});
    const std::string wrapper =
        write_wrapper("env", "BRO_SOCKET_PATH=" + server.socket_path() + "\n");
    const auto result = run(wrapper, {}, {"BRO_FORWARD_ENV=GREETING", "GREETING=hi"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "GREETING=hi\n");
}

TEST_F(WrapperFile, ValuesAreTakenLiterallyWithoutShellSyntax) {
    BroServer server(dir, "/bin/echo");
    // A shell would strip these quotes; the wrapper file keeps them, so the socket path is
    // wrong and the error shows it verbatim.
    const std::string wrapper =
        write_wrapper("echo", "BRO_SOCKET_PATH=\"" + server.socket_path() + "\"\n");
    const auto result = run(wrapper, {"x"});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("\"" + server.socket_path() + "\""), std::string::npos) << result.err;
}

TEST_F(WrapperFile, ErrorsNameTheFileAndTheLine) {
    const struct {
        std::string body;
        std::string expected;
    } cases[] = {
        {"# ok\nBRO_SOCKET_PATH=/x\nBRO_SOKET_PATH=/y\n", ":4: unknown setting"},
        {"\n\nexport BRO_SOCKET_PATH=/x\n", ":4: expected NAME=value"},
        {"PATH=/usr/bin\n", ":2: unknown setting"},
        {"BRO_LOG=debug\nBRO_LOG=\n", ":3: setting given twice"},
        {"bro_log=debug\n", ":2: expected NAME=value with NAME in capitals"},
    };
    for (const auto& c : cases) {
        const std::string wrapper = write_wrapper("tool", c.body);
        const auto result = run(wrapper, {"arg"});
        EXPECT_EQ(result.exit_code(), 125) << c.body;
        EXPECT_NE(result.err.find(wrapper + c.expected), std::string::npos)
            << "body:\n"
            << c.body << "stderr: " << result.err;
    }
}

TEST_F(WrapperFile, AnOversizedOrBinaryFileIsRefused) {
    const std::string big = write_wrapper("big", std::string(70000, '#'));
    auto result = run(big, {});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find(big + ": a wrapper file may hold at most 65536 bytes"),
              std::string::npos)
        << result.err;

    const std::string binary = write_wrapper("nul", std::string("BRO_LOG=\0debug\n", 15));
    result = run(binary, {});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("NUL byte"), std::string::npos) << result.err;
}

TEST_F(WrapperFile, AUserArgumentThatNamesAFileIsNeverTakenAsAWrapper) {
    BroServer server(dir, "/bin/echo");
    // Even a real wrapper file (with settings that would break the call) passed as an argument
    // stays an argument: the client was executed itself, not as a script's interpreter.
    const std::string wrapper = write_wrapper("echo", "BRO_SOCKET_PATH=/nowhere\n");
    auto result =
        run(client_binary(), {wrapper, "second"}, {"BRO_SOCKET_PATH=" + server.socket_path()});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, wrapper + " second\n");

    // argv[1] equal to the executed path, as a script run has it, but argv[0] is too: the
    // caller ran the client and passed its own path.
    result = run(client_binary(), {client_binary()}, {"BRO_SOCKET_PATH=" + server.socket_path()});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, client_binary() + "\n");
}

TEST_F(WrapperFile, WorksInASandboxWhoseOnlyFilesAreTheClientAndTheWrapper) {
    if (!BRO_CLIENT_IS_STATIC) {
        GTEST_SKIP() << "this build's client is dynamically linked (a sanitizer build), so it "
                        "cannot run in a sandbox without its libraries; the default build runs "
                        "this test";
    }
    if (std::system("/usr/bin/bwrap --ro-bind / / true >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "bubblewrap is missing or cannot create namespaces here (needs root "
                        "or unprivileged user namespaces; tools/setup installs it)";
    }
    BroServer server(dir, "/bin/echo", {"--transfer-modes", "content,fd"});
    const std::string wrapper =
        dir.write_file("tool",
                       "#!/bin/bro-client\nBRO_SOCKET_PATH=/run/bro/" +
                           server.socket_path().substr(server.socket_path().rfind('/') + 1) + "\n",
                       0755);
    for (const std::string mode : {"fd", "content"}) {
        const auto result = run_process({.argv = {"/usr/bin/bwrap",
                                                  "--unshare-all",
                                                  "--die-with-parent",
                                                  "--ro-bind",
                                                  client_binary(),
                                                  "/bin/bro-client",
                                                  "--ro-bind",
                                                  wrapper,
                                                  "/bin/tool",
                                                  "--bind",
                                                  dir.path(),
                                                  "/run/bro",
                                                  "--dev",
                                                  "/dev",
                                                  "--chdir",
                                                  "/",
                                                  "--setenv",
                                                  "BRO_TRANSFER_MODE",
                                                  mode,
                                                  "/bin/tool",
                                                  "inside",
                                                  "the",
                                                  "sandbox"},
                                         .environment = {}});
        ASSERT_EQ(result.exit_code(), 0) << mode << ": " << result.err;
        EXPECT_EQ(result.out, "inside the sandbox\n") << mode;
    }
}

// The default build's client: static, linked against musl, no glibc inside.
TEST(StaticClient, HasNoDynamicSectionAndNoGlibc) {
#if !BRO_CLIENT_USES_MUSL
    GTEST_SKIP() << "this build's client is the glibc one (BRO_MUSL_CLIENT=OFF or a sanitizer "
                    "build); the default build checks the musl client";
#else
    const auto readelf = run_process(
        {.argv = {"/usr/bin/readelf", "-d", client_binary()}, .environment = {"LC_ALL=C"}});
    ASSERT_EQ(readelf.exit_code(), 0) << "readelf (binutils) failed: " << readelf.err;
    EXPECT_NE(readelf.out.find("There is no dynamic section"), std::string::npos) << readelf.out;

    std::ifstream binary(client_binary(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(binary)),
                            std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 0u);
    // glibc leaves its name in every static binary (GLIBC_TUNABLES, GLIBC_PRIVATE, ...).
    EXPECT_EQ(bytes.find("GLIBC"), std::string::npos);
    EXPECT_EQ(bytes.find("glibc"), std::string::npos);
#endif
}

}  // namespace
}  // namespace bro::test
