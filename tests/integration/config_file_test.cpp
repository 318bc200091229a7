// One bro-server process serving the tools of a TOML config file (--config), each on its own
// socket: errors that name the file, line and key, no silent disagreement between a flag and
// the file, --check, and the wrapper files generated from it.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

class ConfigFile : public ::testing::Test {
  protected:
    // A file with three tools: echo and wc in content mode, cat in fd mode with a fixed -n.
    std::string three_tools() const {
        return dir.write_file("bro.toml",
                              "[defaults]\n"
                              "max-sessions = 64\n"
                              "\n"
                              "[tool.echo]\n"
                              "executable = \"/bin/echo\"\n"
                              "socket-path = \"" +
                                  socket("echo") +
                                  "\"\n"
                                  "allowed-env = [\"LANG\", \"LC_ALL\"]\n"
                                  "\n"
                                  "[tool.cat]\n"
                                  "executable = \"/bin/cat\"\n"
                                  "socket-path = \"" +
                                  socket("cat") +
                                  "\"\n"
                                  "fd-passing = true\n"
                                  "prepend-arg = [\"-n\"]\n"
                                  "[tool.cat.wrapper]\n"
                                  "file-args = true\n"
                                  "\n"
                                  "[tool.wc]\n"
                                  "executable = \"/usr/bin/wc\"\n"
                                  "socket-path = \"" +
                                  socket("wc") +
                                  "\"\n"
                                  "[tool.wc.wrapper]\n"
                                  "file-args = true\n");
    }

    std::string socket(const std::string& tool) const { return dir.path() + "/" + tool + ".sock"; }

    // Starts `bro-server ARGS` in the background and waits until every socket accepts.
    pid_t start(const std::vector<std::string>& args, const std::vector<std::string>& sockets,
                const std::vector<std::string>& environment = {"PATH=/usr/bin:/bin"}) {
        std::vector<std::string> argv = {server_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        const pid_t pid = start_background(argv, environment, log_path());
        const bool up = eventually(
            [&] {
                for (const auto& path : sockets) {
                    if (!connect_succeeds(path)) return false;
                }
                return true;
            },
            10s);
        EXPECT_TRUE(up) << read_file(log_path());
        return pid;
    }

    void stop(pid_t pid) {
        kill(pid, SIGTERM);
        const auto status = wait_with_deadline(pid, 10s);
        EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
            << read_file(log_path());
    }

    std::string log_path() const { return dir.path() + "/server.log"; }

    TempDir dir;
};

TEST_F(ConfigFile, OneProcessServesEveryToolOnItsOwnSocket) {
    const pid_t server =
        start({"--config", three_tools()}, {socket("echo"), socket("cat"), socket("wc")});
    const std::string text = dir.write_file("text", "one\ntwo\n");
    const auto echoed = run_client(socket("echo"), {.args = {"hello"}});
    const auto numbered = run_client(socket("cat"), {.args = {text}});
    const auto counted = run_client(socket("wc"), {.args = {"-l"}, .stdin_data = "a\nb\nc\n"});
    stop(server);
    EXPECT_EQ(echoed.out, "hello\n") << echoed.err;
    EXPECT_EQ(numbered.out, "     1\tone\n     2\ttwo\n") << numbered.err;
    EXPECT_EQ(counted.out, "3\n") << counted.err;
    const std::string log = read_file(log_path());
    for (const char* tool :
         {"serving echo: /bin/echo", "serving cat: /bin/cat", "serving wc: /usr/bin/wc"}) {
        EXPECT_NE(log.find(tool), std::string::npos) << log;
    }
}

TEST_F(ConfigFile, ToolServesOnlyTheNamedTool) {
    const std::string file = three_tools();
    const pid_t server = start({"--config", file, "--tool", "echo"}, {socket("echo")});
    EXPECT_FALSE(connect_succeeds(socket("cat")));
    EXPECT_EQ(run_client(socket("echo"), {.args = {"only"}}).out, "only\n");
    stop(server);
}

TEST_F(ConfigFile, AnUnknownKeyNamesTheFileLineAndKey) {
    const std::string file = dir.write_file("bad.toml",
                                            "[tool.echo]\n"
                                            "executable = \"/bin/echo\"\n"
                                            "socket-pat = \"/tmp/x.sock\"\n");
    const auto result = run_server({"--config", file, "--check"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find(file + ":3: [tool.echo] socket-pat: unknown setting"),
              std::string::npos)
        << result.err;
}

TEST_F(ConfigFile, ABadValueIsRefusedNamingTheLineOfItsKey) {
    const std::string file = dir.write_file("bad.toml",
                                            "[tool.echo]\n"
                                            "executable = \"/bin/echo\"\n"
                                            "socket-path = \"" +
                                                socket("echo") +
                                                "\"\n"
                                                "\n"
                                                "max-sessions = 0\n");
    const auto result = run_server({"--config", file});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find(file + ":5: [tool.echo] max-sessions: --max-sessions 0: use 1 to"),
              std::string::npos)
        << result.err;
    EXPECT_FALSE(connect_succeeds(socket("echo"))) << "the server started anyway";
}

TEST_F(ConfigFile, AMalformedFileNamesItsLine) {
    const std::string file = dir.write_file("bad.toml", "[tool.echo]\nexecutable = /bin/echo\n");
    const auto result = run_server({"--config", file});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find(file + ":2: "), std::string::npos) << result.err;
}

TEST_F(ConfigFile, AValueOfTheWrongKindIsRefused) {
    const std::string file = dir.write_file("bad.toml",
                                            "[tool.echo]\n"
                                            "executable = \"/bin/echo\"\n"
                                            "fd-passing = \"yes\"\n");
    const auto result = run_server({"--config", file});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find(":3: [tool.echo] fd-passing: use true or false"), std::string::npos)
        << result.err;
}

TEST_F(ConfigFile, AToolFlagBesideTheFileIsRefusedNotSilentlyIgnored) {
    const std::string file = three_tools();
    const auto flag = run_server({"--config", file, "--max-args", "3"});
    EXPECT_EQ(flag.exit_code(), 2);
    EXPECT_NE(flag.err.find("--max-args (or BRO_SERVER_MAX_ARGS) is a tool option"),
              std::string::npos)
        << flag.err;
    const auto variable = run_server({"--config", file}, {"BRO_SERVER_TIMEOUT=5"});
    EXPECT_EQ(variable.exit_code(), 2);
    EXPECT_NE(variable.err.find("--timeout (or BRO_SERVER_TIMEOUT) is a tool option"),
              std::string::npos)
        << variable.err;
}

TEST_F(ConfigFile, CheckPrintsTheEffectiveSettingsOfEachToolWithoutListening) {
    const auto result = run_server({"--config", three_tools(), "--check"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    for (const char* line :
         {"[tool.cat]\n", "transfer-modes = \"fd\"\n", "prepend-arg = [\"-n\"]\n", "[tool.echo]\n",
          "allowed-env = [\"LANG\", \"LC_ALL\"]\n", "max-sessions = 64\n", "[tool.wc]\n",
          "max-args = 4096\n", "# 3 tool(s): the configuration is usable\n"}) {
        EXPECT_NE(result.out.find(line), std::string::npos) << line << " in\n" << result.out;
    }
    EXPECT_FALSE(connect_succeeds(socket("echo")));
}

TEST_F(ConfigFile, CheckOfACommandLineToolPrintsItsSettings) {
    const auto result =
        run_server({"--executable", "/bin/echo", "--socket-path", socket("echo"), "--check"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_NE(result.out.find("executable = \"/bin/echo\""), std::string::npos) << result.out;
}

// The deadlines and lifetime settings are tool options like the others: keys of a tool table.
TEST_F(ConfigFile, DeadlinesAndWhatACallLeavesBehindAreSetPerTool) {
    const std::string file = dir.write_file("bro.toml",
                                            "[tool.echo]\n"
                                            "executable = \"/bin/echo\"\n"
                                            "socket-path = \"" +
                                                socket("echo") +
                                                "\"\n"
                                                "upload-timeout = 3\n"
                                                "report-timeout = 4\n"
                                                "keep-background = true\n"
                                                "session-cgroups = \"off\"\n");
    const auto result = run_server({"--config", file, "--check"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    for (const char* line : {"upload-timeout = 3\n", "report-timeout = 4\n",
                             "keep-background = true\n", "session-cgroups = \"off\"\n"}) {
        EXPECT_NE(result.out.find(line), std::string::npos) << line << " in\n" << result.out;
    }
}

TEST_F(ConfigFile, APrintedWrapperFileRunsItsTool) {
    const std::string file = three_tools();
    const auto printed = run_server({"--config", file, "--print-wrapper", "wc"});
    ASSERT_EQ(printed.exit_code(), 0) << printed.err;
    EXPECT_NE(printed.out.find("BRO_SOCKET_PATH=" + socket("wc") + "\n"), std::string::npos);
    EXPECT_NE(printed.out.find("BRO_FILE_ARGS=1\n"), std::string::npos);
    // Installed under the tool's name with this build's client as its interpreter.
    std::string text = printed.out;
    text.replace(0, text.find('\n'), "#!" + client_binary());
    const std::string wrapper = dir.write_file("wc", text, 0755);
    const pid_t server = start({"--config", file}, {socket("wc")});
    const std::string input = dir.write_file("input", "x\ny\n");
    const auto counted = run_process({.argv = {wrapper, "-l", input}, .timeout = 30s});
    stop(server);
    EXPECT_EQ(counted.exit_code(), 0) << counted.err;
    // The file went by content: wc names the private copy, which ends with the base name.
    EXPECT_EQ(counted.out.substr(0, 2), "2 ") << counted.out;
    EXPECT_NE(counted.out.find("/input\n"), std::string::npos) << counted.out;
}

TEST_F(ConfigFile, InstallWrappersWritesOneExecutableFilePerTool) {
    const std::string target = dir.path() + "/wrappers";
    ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
    const auto result = run_server({"--config", three_tools(), "--install-wrappers", target});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    for (const char* tool : {"cat", "echo", "wc"}) {
        struct stat st {};
        const std::string path = target + "/" + tool;
        ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
        EXPECT_EQ(st.st_mode & 07777, 0755u) << path;
        EXPECT_EQ(read_file(path).rfind("#!/usr/bin/bro-client\n", 0), 0u) << read_file(path);
    }
    EXPECT_NE(read_file(target + "/echo").find("BRO_FORWARD_ENV=LANG,LC_ALL\n"), std::string::npos)
        << "the wrapper forwards what the server allows";
}

TEST_F(ConfigFile, SystemdSocketsAreMatchedToToolsByName) {
    const char* activate = "/usr/bin/systemd-socket-activate";
    if (access(activate, X_OK) != 0) GTEST_SKIP() << activate << " is not installed (systemd)";
    const std::string file = dir.write_file("bro.toml",
                                            "[tool.echo]\n"
                                            "executable = \"/bin/echo\"\n"
                                            "systemd-socket = true\n"
                                            "[tool.cat]\n"
                                            "executable = \"/bin/cat\"\n"
                                            "systemd-socket = true\n");
    // Passed in the other order than the file names them.
    const pid_t server = start_background({activate, "-l", socket("second"), "-l", socket("first"),
                                           "--fdname=cat:echo", server_binary(), "--config", file},
                                          {"PATH=/usr/bin:/bin"}, log_path());
    const bool up = eventually([&] { return connect_succeeds(socket("first")); }, 10s);
    ASSERT_TRUE(up) << read_file(log_path());
    ProcessResult echoed;
    eventually(
        [&] {
            echoed = run_client(socket("first"), {.args = {"named"}});
            return echoed.exit_code() == 0;
        },
        5s);
    const auto catted = run_client(socket("second"), {.stdin_data = "through cat\n"});
    stop(server);
    EXPECT_EQ(echoed.out, "named\n") << echoed.err << read_file(log_path());
    EXPECT_EQ(catted.out, "through cat\n") << catted.err;
}

TEST_F(ConfigFile, AToolsProfileListIsItsSandboxFlagsInOrder) {
    if (geteuid() != 0) GTEST_SKIP() << "a new UTS namespace needs root";
    const std::string file = dir.write_file("bro.toml",
                                            "[tool.hostname]\n"
                                            "executable = \"/bin/cat\"\n"
                                            "prepend-arg = [\"/proc/sys/kernel/hostname\"]\n"
                                            "socket-path = \"" +
                                                socket("hostname") +
                                                "\"\n"
                                                "profile = [\"--unshare-uts\", \"--hostname\", "
                                                "\"from-the-file\"]\n");
    const pid_t server = start({"--config", file}, {socket("hostname")});
    const auto result = run_client(socket("hostname"), {});
    stop(server);
    EXPECT_EQ(result.out, "from-the-file\n") << result.err;
}

TEST_F(ConfigFile, AProfileListHoldsOnlyProfileFlags) {
    const std::string file =
        dir.write_file("bad.toml",
                       "[tool.echo]\n"
                       "executable = \"/bin/echo\"\n"
                       "socket-path = \"/tmp/x.sock\"\n"
                       "profile = [\"--unshare-net\", \"--timeout\", \"3\"]\n");
    const auto result = run_server({"--config", file, "--check"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find(file + ":4: [tool.echo] profile: --timeout: not a profile flag"),
              std::string::npos)
        << result.err;
}

TEST_F(ConfigFile, AProfileFlagBesideTheFileIsRefused) {
    const auto result = run_server({"--config", three_tools(), "--unshare-net"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--unshare-net is a profile flag, but --config gives the tools"),
              std::string::npos)
        << result.err;
}

TEST_F(ConfigFile, RunTriesTheProfileOfTheNamedTool) {
    if (geteuid() != 0) GTEST_SKIP() << "a new UTS namespace needs root";
    const std::string file =
        dir.write_file("bro.toml",
                       "[tool.a]\n"
                       "executable = \"/bin/true\"\n"
                       "socket-path = \"/tmp/a.sock\"\n"
                       "profile = [\"--unshare-uts\", \"--hostname\", \"aa\"]\n"
                       "[tool.b]\n"
                       "executable = \"/bin/true\"\n"
                       "socket-path = \"/tmp/b.sock\"\n");
    const auto both = run_server({"--config", file, "--run", "--", "hostname"});
    EXPECT_EQ(both.exit_code(), 2);
    EXPECT_NE(both.err.find("--run tries one tool's profile: give --tool NAME too"),
              std::string::npos)
        << both.err;
    const auto result = run_server(
        {"--config", file, "--tool", "a", "--run", "--", "cat", "/proc/sys/kernel/hostname"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "aa\n");
}

}  // namespace
}  // namespace bro::test
