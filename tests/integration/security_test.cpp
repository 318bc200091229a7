// Who may call and as whom the program runs: BRO_PEER_*, --allow-uid/--allow-gid, --user,
// --as-peer, the socket's mode, owner and abstract addresses, --prepend-arg,
// --no-client-args and the session limits. Tests that change identities need root and skip
// otherwise (CI runs as root).

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <sstream>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

constexpr const char* kSetpriv = "/usr/bin/setpriv";

#define SKIP_UNLESS_ROOT()                                               \
    if (geteuid() != 0)                                                  \
    GTEST_SKIP() << "needs root (changing identities, running a client " \
                    "as nobody); CI runs as root"

struct Nobody {
    uid_t uid = 0;
    gid_t gid = 0;
};
Nobody nobody() {
    const passwd* entry = getpwnam("nobody");
    if (entry == nullptr) throw std::runtime_error("no user nobody");
    return {entry->pw_uid, entry->pw_gid};
}

std::string line_of(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        // The kernel ends the Groups line with a space, even an empty one.
        if (line.rfind(prefix, 0) == 0) return line.substr(0, line.find_last_not_of(' ') + 1);
    }
    return "(no " + prefix + " line)";
}

// "Uid:\t65534\t65534\t65534\t65534" for one id in all four places.
std::string status_line(const char* name, unsigned id) {
    const std::string value = std::to_string(id);
    return std::string(name) + ":\t" + value + "\t" + value + "\t" + value + "\t" + value;
}

// Runs bro-client as nobody (no supplementary groups) through setpriv.
ProcessResult run_client_as_nobody(const std::string& socket_path, ClientRun run) {
    run.prefix = {kSetpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
    return run_client(socket_path, run);
}

// BroServer's readiness probe is a connection too: it holds a session slot until the server
// sees it close.
bool probe_has_ended(const BroServer& server) {
    return wait_for_log(server, "closed before sending a request", 1);
}

// A bro-client kept running: its stdin is a pipe the test holds, so a `cat` behind it runs
// until finish() closes it.
class HeldClient {
  public:
    HeldClient(const TempDir& dir, const std::string& socket_path,
               std::vector<std::string> environment = {}, std::vector<std::string> prefix = {}) {
        static int counter = 0;
        output_path_ = dir.path() + "/held" + std::to_string(counter++) + ".out";
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        stdin_write_ = fds[1];
        std::vector<std::string> argv = std::move(prefix);
        argv.push_back(client_binary());
        environment.push_back("BRO_SOCKET_PATH=" + socket_path);
        environment.push_back("PATH=/usr/bin:/bin");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
        posix_spawn_file_actions_addopen(&actions, 1, output_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, (output_path_ + ".err").c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args, env;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        for (auto& e : environment) env.push_back(e.data());
        env.push_back(nullptr);
        const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        close(fds[0]);
        if (error != 0) throw std::runtime_error("posix_spawn bro-client");
    }
    ~HeldClient() {
        if (stdin_write_ >= 0) close(stdin_write_);
        if (pid_ > 0) wait_with_deadline(pid_, std::chrono::seconds(10));
    }
    HeldClient(const HeldClient&) = delete;
    HeldClient& operator=(const HeldClient&) = delete;

    // Writes `input`, closes stdin and returns the client's exit code (-1 if it did not exit).
    int finish(const std::string& input) {
        if (write(stdin_write_, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
            return -1;
        close(stdin_write_);
        stdin_write_ = -1;
        const auto status = wait_with_deadline(pid_, std::chrono::seconds(20));
        pid_ = -1;
        return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    }
    std::string output() const { return read_file(output_path_); }
    std::string errors() const { return read_file(output_path_ + ".err"); }

  private:
    pid_t pid_ = -1;
    int stdin_write_ = -1;
    std::string output_path_;
};

class Security : public ::testing::TestWithParam<std::string> {
  protected:
    TempDir dir;
    // The transfer mode under test: the server accepts only it.
    std::vector<std::string> mode_flags() const { return {"--transfer-modes", GetParam()}; }
    std::vector<std::string> with_mode(std::vector<std::string> flags) const {
        auto all = mode_flags();
        all.insert(all.end(), flags.begin(), flags.end());
        return all;
    }
    // Lets nobody reach sockets and scripts in `dir`.
    void open_dir_to_everyone() const { chmod(dir.path().c_str(), 0755); }
};

INSTANTIATE_TEST_SUITE_P(BothModes, Security, ::testing::Values("content", "fd"),
                         [](const auto& info) { return info.param == "fd" ? "Fd" : "Content"; });

// A server-only check, independent of the transfer mode.
class SecurityStartup : public ::testing::Test {
  protected:
    TempDir dir;
    ProcessResult server(const std::vector<std::string>& args, bool as_nobody = false) const {
        if (!as_nobody) return run_server(args);
        return run_server(args, {},
                          {kSetpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
    }
    std::vector<std::string> base() const {
        return {"--executable", "/bin/true", "--socket-path", dir.path() + "/s.sock"};
    }
    std::vector<std::string> base_with(std::vector<std::string> flags) const {
        auto all = base();
        all.insert(all.end(), flags.begin(), flags.end());
        return all;
    }
};

// --- peer identity ---------------------------------------------------------------------------

TEST_P(Security, ChildSeesTheCallersUidGidAndPid) {
    const auto script = dir.write_script("peer", "echo $BRO_PEER_UID $BRO_PEER_GID $BRO_PEER_PID");
    BroServer server(dir, script, mode_flags());
    // The shell prints its pid and then becomes bro-client: that pid is the caller's.
    ProcessOptions options;
    options.argv = {"/bin/sh", "-c", "echo $$; exec \"$0\"", client_binary()};
    options.environment = {"BRO_SOCKET_PATH=" + server.socket_path(), "PATH=/usr/bin:/bin"};
    const auto result = run_process(options);
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    std::istringstream lines(result.out);
    std::string pid, reported;
    std::getline(lines, pid);
    std::getline(lines, reported);
    EXPECT_EQ(reported, std::to_string(getuid()) + " " + std::to_string(getgid()) + " " + pid);
}

TEST_P(Security, ForgedPeerVariablesNeverReachTheChildEvenWhenAllowed) {
    const auto script = dir.write_script("peer", "echo $BRO_PEER_UID $BRO_PEER_GID $BRO_PEER_PID");
    BroServer server(
        dir, script,
        with_mode({"--allowed-env", "BRO_PEER_UID,BRO_PEER_GID", "--inherit-env", "BRO_PEER_PID"}),
        {"BRO_PEER_PID=1"});
    const auto result =
        run_client(server, {.environment = {"BRO_FORWARD_ENV=BRO_PEER_UID,BRO_PEER_GID",
                                            "BRO_PEER_UID=12345", "BRO_PEER_GID=12345"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    const std::string expected = std::to_string(getuid()) + " " + std::to_string(getgid()) + " ";
    EXPECT_EQ(result.out.rfind(expected, 0), 0u) << result.out;
    EXPECT_EQ(result.out.find("12345"), std::string::npos) << result.out;
    EXPECT_NE(result.out, expected + "1\n");
}

// --- admission --------------------------------------------------------------------------------

TEST_P(Security, CallerOutsideTheAllowListIsRefusedWithExit125) {
    const auto someone_else = std::to_string(getuid() + 1);
    BroServer server(dir, "/bin/echo", with_mode({"--allow-uid", someone_else}));
    const auto result = run_client(server, {.args = {"ran"}});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_EQ(result.out, "");
    EXPECT_NE(result.err.find("may not call this server"), std::string::npos) << result.err;
    EXPECT_TRUE(wait_for_log(server, "refused the connection of pid", 1)) << server.log();
    EXPECT_NE(server.log().find("uid " + std::to_string(getuid()) + " gid "), std::string::npos);
}

TEST_P(Security, RefusalReachesACallerStillSendingALargeRequest) {
    const auto big = dir.write_file("big", random_bytes(4 << 20, 7));
    BroServer server(dir, "/bin/cat", with_mode({"--allow-uid", std::to_string(getuid() + 1)}));
    const auto result = run_client(server, {.args = {big},
                                            .environment = {"BRO_FILE_ARGS=1"},
                                            .stdin_data = random_bytes(1 << 20, 8)});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("may not call this server"), std::string::npos) << result.err;
}

TEST_P(Security, CallerInAnAllowedGroupIsAdmitted) {
    const auto someone_else = std::to_string(getuid() + 1);
    BroServer server(
        dir, "/bin/echo",
        with_mode({"--allow-uid", someone_else, "--allow-gid", std::to_string(getgid())}));
    const auto result = run_client(server, {.args = {"ran"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "ran\n");
}

TEST_P(Security, RefusedConnectionsLeaveNoDescriptorInTheServer) {
    BroServer server(dir, "/bin/echo", with_mode({"--allow-uid", std::to_string(getuid() + 1)}));
    const int before = settled_fd_count(server.pid());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(run_client(server, {}).exit_code(), 125);
    EXPECT_TRUE(fd_count_returns_to(server.pid(), before));
}

TEST_F(SecurityStartup, HelpListsTheIdentityFlagsWithTheirEnvironmentVariables) {
    const auto result = server({"--help"});
    EXPECT_EQ(result.exit_code(), 0);
    for (const char* text :
         {"--allow-uid", "--allow-gid", "--user", "--group", "--groups", "--as-peer",
          "--socket-mode", "--socket-owner", "--prepend-arg", "--no-client-args", "--max-sessions",
          "--max-sessions-per-uid", "BRO_SERVER_ALLOW_UID", "BRO_SERVER_AS_PEER",
          "BRO_SERVER_SOCKET_OWNER", "BRO_SERVER_PREPEND_ARG", "BRO_SERVER_MAX_SESSIONS_PER_UID"}) {
        EXPECT_NE(result.out.find(text), std::string::npos) << text;
    }
}

TEST_F(SecurityStartup, UnknownNameInAnAllowListIsAStartUpError) {
    const auto result = server(base_with({"--allow-uid", "no-such-user-bro"}));
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--allow-uid no-such-user-bro: no such user"), std::string::npos)
        << result.err;
    const auto group = server(base_with({"--allow-gid", "no-such-group-bro"}));
    EXPECT_EQ(group.exit_code(), 2);
    EXPECT_NE(group.err.find("--allow-gid no-such-group-bro"), std::string::npos) << group.err;
}

TEST_F(SecurityStartup, FlagsAlsoComeFromTheEnvironment) {
    const auto result = run_server(base(), {"BRO_SERVER_ALLOW_UID=no-such-user-bro"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--allow-uid no-such-user-bro"), std::string::npos) << result.err;
}

// --- run as -------------------------------------------------------------------------------------

constexpr const char* kShowIdentity =
    "grep -E '^(Uid|Gid|Groups|CapPrm|CapEff):' /proc/self/status";

TEST_P(Security, UserFlagRunsTheChildAsThatUserWithItsGroupsAndNoWayBack) {
    SKIP_UNLESS_ROOT();
    const auto script = dir.write_script("who", kShowIdentity);
    open_dir_to_everyone();
    BroServer server(dir, script, with_mode({"--user", "nobody"}));
    const auto result = run_client(server, {});
    ASSERT_EQ(result.exit_code(), 0) << result.err << server.log();
    const Nobody who = nobody();
    EXPECT_EQ(line_of(result.out, "Uid:"), status_line("Uid", who.uid));
    EXPECT_EQ(line_of(result.out, "Gid:"), status_line("Gid", who.gid));
    // What initgroups would set: the groups the group database gives nobody.
    int count = 64;
    std::vector<gid_t> groups(count);
    ASSERT_GE(getgrouplist("nobody", who.gid, groups.data(), &count), 0);
    std::string expected = "Groups:\t";
    for (int i = 0; i < count; ++i)
        expected.append(i == 0 ? "" : " ").append(std::to_string(groups[i]));
    EXPECT_EQ(line_of(result.out, "Groups:"), expected);
    // No capability left: setuid(0) and friends must fail.
    EXPECT_EQ(line_of(result.out, "CapPrm:"), "CapPrm:\t0000000000000000");
    EXPECT_EQ(line_of(result.out, "CapEff:"), "CapEff:\t0000000000000000");
}

TEST_P(Security, ChildRunningAsAnotherUserCannotBecomeRootAgain) {
    SKIP_UNLESS_ROOT();
    open_dir_to_everyone();
    BroServer server(dir, "/usr/bin/python3", with_mode({"--user", "nobody"}));
    const auto result = run_client(server, {.args = {"-c", "import os; os.setuid(0)"}});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(result.err.find("PermissionError"), std::string::npos) << result.err;
}

TEST_P(Security, GroupsFlagSetsTheSupplementaryGroupsExactly) {
    SKIP_UNLESS_ROOT();
    const auto script = dir.write_script("who", kShowIdentity);
    open_dir_to_everyone();
    BroServer server(dir, script, with_mode({"--user", "nobody", "--group", "0", "--groups", ""}));
    const auto result = run_client(server, {});
    ASSERT_EQ(result.exit_code(), 0) << result.err << server.log();
    EXPECT_EQ(line_of(result.out, "Gid:"), status_line("Gid", 0));
    EXPECT_EQ(line_of(result.out, "Groups:"), "Groups:\t");
}

TEST_P(Security, AsPeerRunsTheChildAsItsCaller) {
    SKIP_UNLESS_ROOT();
    const auto script = dir.write_script("who", kShowIdentity);
    open_dir_to_everyone();
    BroServer server(dir, script, with_mode({"--as-peer", "--socket-mode", "0777"}));
    const auto result = run_client_as_nobody(server.socket_path(), {});
    ASSERT_EQ(result.exit_code(), 0) << result.err << server.log();
    const Nobody who = nobody();
    EXPECT_EQ(line_of(result.out, "Uid:"), status_line("Uid", who.uid));
    EXPECT_EQ(line_of(result.out, "Gid:"), status_line("Gid", who.gid));
    // The caller cleared its groups: it gets none back.
    EXPECT_EQ(line_of(result.out, "Groups:"), "Groups:\t");
    // And a root caller stays root.
    const auto as_root = run_client(server, {});
    EXPECT_EQ(line_of(as_root.out, "Uid:"), status_line("Uid", 0));
}

TEST_F(SecurityStartup, UnknownUserIsAStartUpError) {
    const auto result = server(base_with({"--user", "no-such-user-bro"}));
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--user no-such-user-bro: no such user"), std::string::npos)
        << result.err;
}

TEST_F(SecurityStartup, AsPeerExcludesUser) {
    const auto result = server(base_with({"--as-peer", "--user", "nobody"}));
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--as-peer excludes --user"), std::string::npos) << result.err;
}

TEST_F(SecurityStartup, ServerThatCannotChangeIdentityRefusesUserAndAsPeerAtStart) {
    // As root, run the server as nobody; unprivileged, run it as it is.
    const bool root = geteuid() == 0;
    chmod(dir.path().c_str(), 0777);
    const auto user = server(base_with({"--user", "root"}), root);
    EXPECT_EQ(user.exit_code(), 2);
    EXPECT_NE(user.err.find("cannot change identities"), std::string::npos) << user.err;
    const auto peer = server(base_with({"--as-peer"}), root);
    EXPECT_EQ(peer.exit_code(), 2);
    EXPECT_NE(peer.err.find("--as-peer: this server cannot change identities"), std::string::npos)
        << peer.err;
}

TEST_P(Security, FileArgumentsAreReadableAndWritableByAChildRunningAsAnotherUser) {
    SKIP_UNLESS_ROOT();
    if (GetParam() == "fd") GTEST_SKIP() << "fd mode passes the caller's own descriptors";
    const auto input = dir.write_file("input.txt", "caller's data\n");
    const auto script = dir.write_script("edit", "cat \"$1\" && echo appended >> \"$1\" && id -u");
    open_dir_to_everyone();
    BroServer server(dir, script, with_mode({"--user", "nobody"}));
    const auto result = run_client(server, {.args = {input}, .environment = {"BRO_FILE_ARGS=1"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err << server.log();
    EXPECT_EQ(result.out, "caller's data\n" + std::to_string(nobody().uid) + "\n");
    EXPECT_EQ(read_file(input), "caller's data\n");  // only the copy changed
}

// --- socket -------------------------------------------------------------------------------------

TEST_F(SecurityStartup, SocketModeAndOwnerAreApplied) {
    const bool root = geteuid() == 0;
    const std::string owner =
        root ? "nobody:nogroup" : std::to_string(getuid()) + ":" + std::to_string(getgid());
    BroServer server(dir, "/bin/echo", {"--socket-mode", "0660", "--socket-owner", owner});
    struct stat st {};
    ASSERT_EQ(stat(server.socket_path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_EQ(st.st_uid, root ? nobody().uid : getuid());
    EXPECT_EQ(st.st_gid, root ? nobody().gid : getgid());
    EXPECT_EQ(run_client(server, {.args = {"hi"}}).out, "hi\n");
}

TEST_F(SecurityStartup, SymlinkAtTheSocketPathIsNeverReplaced) {
    const auto target = dir.write_file("target", "keep me");
    const std::string link = dir.path() + "/s.sock";
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
    const auto result = server(base());
    EXPECT_NE(result.exit_code(), 0);
    EXPECT_NE(result.err.find("not a socket"), std::string::npos) << result.err;
    struct stat st {};
    ASSERT_EQ(lstat(link.c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(read_file(target), "keep me");
}

TEST_F(SecurityStartup, SocketModeWithSystemdSocketIsAStartUpError) {
    const auto result =
        server({"--executable", "/bin/true", "--systemd-socket", "--socket-mode", "0660"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("SocketMode="), std::string::npos) << result.err;
}

TEST_F(SecurityStartup, MalformedSocketModeIsAStartUpError) {
    const auto result = server(base_with({"--socket-mode", "0999"}));
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("--socket-mode 0999"), std::string::npos) << result.err;
}

std::string unique_abstract_name() {
    return "@bro-test-" + std::to_string(getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

TEST_F(SecurityStartup, AbstractSocketWithoutAnAllowListIsRefused) {
    const auto result =
        server({"--executable", "/bin/true", "--socket-path", unique_abstract_name()});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("give --allow-uid or --allow-gid"), std::string::npos) << result.err;
}

TEST_F(SecurityStartup, AbstractSocketTakesNoModeOrOwner) {
    const auto result =
        server({"--executable", "/bin/true", "--socket-path", unique_abstract_name(), "--allow-uid",
                "0", "--socket-mode", "0600"});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("is abstract (no file)"), std::string::npos) << result.err;
}

TEST_F(SecurityStartup, AbstractSocketWithAnAllowListServesAllowedCallers) {
    const std::string name = unique_abstract_name();
    const std::string log = dir.path() + "/abstract.log";
    const pid_t pid =
        start_background({server_binary(), "--executable", "/bin/echo", "--socket-path", name,
                          "--allow-uid", std::to_string(getuid())},
                         {"PATH=/usr/bin:/bin"}, log);
    ProcessResult result;
    eventually(  // until it listens
        [&] {
            result = run_client(name, {.args = {"over", "abstract"}});
            return result.exit_code() == 0;
        },
        std::chrono::seconds(5));
    kill(pid, SIGTERM);
    wait_with_deadline(pid, std::chrono::seconds(10));
    EXPECT_EQ(result.out, "over abstract\n") << result.err << read_file(log);
}

// --- arguments ----------------------------------------------------------------------------------

TEST_P(Security, PrependedArgumentsComeFirstAndFileArgumentsStillPointAtTheirCopies) {
    const auto input = dir.write_file("input.txt", "file content\n");
    const auto script = dir.write_script(
        "args",
        "for a; do echo \"[$a]\"; done; for a; do [ -f \"$a\" ] && cat \"$a\"; done; "
        "exit 0");
    BroServer server(dir, script,
                     with_mode({"--prepend-arg", "--fixed", "--prepend-arg", "two words"}));
    const auto result =
        run_client(server, {.args = {"plain", input}, .environment = {"BRO_FILE_ARGS=1"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    std::istringstream lines(result.out);
    std::string first, second, third, fourth, content;
    std::getline(lines, first);
    std::getline(lines, second);
    std::getline(lines, third);
    std::getline(lines, fourth);
    std::getline(lines, content);
    EXPECT_EQ(first, "[--fixed]");
    EXPECT_EQ(second, "[two words]");
    EXPECT_EQ(third, "[plain]");
    EXPECT_NE(fourth, "[" + input + "]");  // rewritten: a private copy or /dev/fd/N
    EXPECT_EQ(content, "file content");
}

TEST_P(Security, NoClientArgsRefusesARequestWithArgumentsAndRunsOneWithout) {
    BroServer server(dir, "/bin/echo",
                     with_mode({"--no-client-args", "--prepend-arg", "fixed only"}));
    const auto refused = run_client(server, {.args = {"injected"}});
    EXPECT_EQ(refused.exit_code(), 125);
    EXPECT_EQ(refused.out, "");
    EXPECT_NE(refused.err.find("takes no arguments (--no-client-args)"), std::string::npos)
        << refused.err;
    const auto plain = run_client(server, {});
    EXPECT_EQ(plain.exit_code(), 0) << plain.err;
    EXPECT_EQ(plain.out, "fixed only\n");
}

// --- session limits -----------------------------------------------------------------------------

TEST_P(Security, SessionsBeyondMaxSessionsAreRefusedAndTheOthersComplete) {
    // One caller's share would be a quarter of 2 by default: let it have both.
    BroServer server(dir, "/bin/cat",
                     with_mode({"--max-sessions", "2", "--max-sessions-per-uid", "2"}));
    ASSERT_TRUE(probe_has_ended(server)) << server.log();
    const std::vector<std::string> pinned = {"BRO_TRANSFER_MODE=" + GetParam()};
    HeldClient first(dir, server.socket_path(), pinned);
    HeldClient second(dir, server.socket_path(), pinned);
    ASSERT_TRUE(wait_for_log(server, ": started pid", 2)) << server.log();
    const int fds_with_two = settled_fd_count(server.pid());

    const auto refused = run_client(server, {.environment = pinned});
    EXPECT_EQ(refused.exit_code(), 125);
    EXPECT_NE(refused.err.find("the most it allows (--max-sessions)"), std::string::npos)
        << refused.err;
    EXPECT_TRUE(wait_for_log(server, "refused the connection of pid", 1)) << server.log();
    EXPECT_TRUE(fd_count_returns_to(server.pid(), fds_with_two));  // nothing held for it

    EXPECT_EQ(first.finish("one\n"), 0) << first.errors();
    EXPECT_EQ(second.finish("two\n"), 0) << second.errors();
    EXPECT_EQ(first.output(), "one\n");
    EXPECT_EQ(second.output(), "two\n");
    // The slots are free again (the session ends just after its client saw the exit).
    ProcessResult later;
    eventually(
        [&] {
            later = run_client(server, {.environment = pinned, .stdin_data = "three\n"});
            return later.exit_code() == 0;
        },
        std::chrono::seconds(5));
    EXPECT_EQ(later.exit_code(), 0) << later.err;
    EXPECT_EQ(later.out, "three\n");
}

TEST_F(SecurityStartup, ModeRetryOfAnAutoClientIsNotCountedAgainstItsOwnShare) {
    // bro-client offers fd passing first; this server takes only content mode, so every call
    // is two connections back to back. The first must not hold the caller's only slot.
    BroServer server(dir, "/bin/echo", {"--max-sessions-per-uid", "1"});
    ASSERT_TRUE(probe_has_ended(server)) << server.log();
    const int idle_fds = settled_fd_count(server.pid());
    for (int call = 0; call < 100; ++call) {
        // The previous call's session frees the slot a ring round trip after its Exit frame,
        // which a loaded machine can stretch past the next connect; only the retry is tested.
        ASSERT_TRUE(fd_count_returns_to(server.pid(), idle_fds)) << "call " << call;
        const auto result = run_client(server, {.args = {"call", std::to_string(call)}});
        ASSERT_EQ(result.exit_code(), 0) << "call " << call << ": " << result.err;
        EXPECT_EQ(result.out, "call " + std::to_string(call) + "\n");
    }
}

TEST_P(Security, SessionsBeyondTheCallersShareAreRefusedWhileOtherUidsAreServed) {
    BroServer server(dir, "/bin/cat",
                     with_mode({"--max-sessions-per-uid", "1", "--socket-mode", "0777"}));
    ASSERT_TRUE(probe_has_ended(server)) << server.log();
    const std::vector<std::string> pinned = {"BRO_TRANSFER_MODE=" + GetParam()};
    HeldClient held(dir, server.socket_path(), pinned);
    ASSERT_TRUE(wait_for_log(server, ": started pid", 1)) << server.log();

    const auto refused = run_client(server, {.environment = pinned});
    EXPECT_EQ(refused.exit_code(), 125);
    EXPECT_NE(refused.err.find("--max-sessions-per-uid"), std::string::npos) << refused.err;
    if (geteuid() == 0) {  // another uid still gets in
        open_dir_to_everyone();
        const auto other = run_client_as_nobody(server.socket_path(), {.environment = pinned});
        EXPECT_EQ(other.exit_code(), 0) << other.err << server.log();
    }
    EXPECT_EQ(held.finish("held\n"), 0) << held.errors();
    EXPECT_EQ(held.output(), "held\n");
}

}  // namespace
}  // namespace bro::test
