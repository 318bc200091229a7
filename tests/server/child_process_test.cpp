// Spawner: descriptors reach the child at the numbers asked for, failures name their step.

#include "server/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/pseudo_terminal.hpp"

namespace bro::server {
namespace {

struct Pipe {
    UniqueFd read, write;
};
Pipe make_pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, n);
    return out;
}

int wait_exit_code(ChildProcess& child) {
    int status = 0;
    EXPECT_EQ(waitpid(child.pid(), &status, 0), child.pid());
    child.mark_reaped();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Spawned {
    std::string out;
    int exit_code;
};

// Closes the test's write end of `out`, reads everything the child wrote there, and reaps it.
Spawned collect(ChildProcess& child, Pipe& out) {
    out.write.reset();
    std::string text = read_all(out.read.get());
    return {std::move(text), wait_exit_code(child)};
}

Spawned run_shell(const std::string& script, std::vector<FdMapping> extra) {
    Pipe out = make_pipe();
    UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    SpawnRequest request;
    request.executable = "/bin/sh";
    request.argv = {"sh", "-c", script};
    request.stdin_fd = null.get();
    request.stdout_fd = out.write.get();
    request.stderr_fd = null.get();
    request.extra_fds = std::move(extra);
    request.working_directory = "/";
    request.fallback_directory = "/";
    Spawner spawner;
    auto spawned = spawner.spawn(request);
    EXPECT_TRUE(std::holds_alternative<ChildProcess>(spawned));
    auto* child = std::get_if<ChildProcess>(&spawned);
    return child != nullptr ? collect(*child, out) : Spawned{"", -1};
}

// dived's bug: dup2(fd, fd) is a no-op that keeps FD_CLOEXEC, so the fd vanished at exec.
TEST(Spawner, DescriptorAlreadyAtItsTargetNumberSurvivesExec) {
    Pipe data = make_pipe();
    ASSERT_EQ(write(data.write.get(), "kept\n", 5), 5);
    data.write.reset();
    const int number = data.read.get();  // close-on-exec, like every received descriptor
    const auto result = run_shell("cat <&" + std::to_string(number), {{number, number}});
    EXPECT_EQ(result.out, "kept\n");
    EXPECT_EQ(result.exit_code, 0);
}

TEST(Spawner, DescriptorsSwappingNumbersBothArrive) {
    Pipe a = make_pipe(), b = make_pipe();
    ASSERT_EQ(write(a.write.get(), "a\n", 2), 2);
    ASSERT_EQ(write(b.write.get(), "b\n", 2), 2);
    a.write.reset();
    b.write.reset();
    const int fa = a.read.get(), fb = b.read.get();
    // a goes to b's number and b to a's: a naive dup2 order overwrites one before copying it.
    const auto result = run_shell("cat <&" + std::to_string(fb) + "; cat <&" + std::to_string(fa),
                                  {{fa, fb}, {fb, fa}});
    EXPECT_EQ(result.out, "a\nb\n");
}

TEST(Spawner, UnmappedServerDescriptorsDoNotReachTheChild) {
    Pipe secret = make_pipe();
    const auto result = run_shell(
        "[ -e /proc/self/fd/" + std::to_string(secret.read.get()) + " ] && echo leaked || echo ok",
        {});
    EXPECT_EQ(result.out, "ok\n");
}

TEST(Spawner, MissingExecutableReportsTheExecStepAndErrno) {
    UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    SpawnRequest request;
    request.executable = "/nonexistent/tool";
    request.argv = {"tool"};
    request.stdin_fd = request.stdout_fd = request.stderr_fd = null.get();
    request.working_directory = request.fallback_directory = "/";
    Spawner spawner;
    auto spawned = spawner.spawn(request);
    ASSERT_TRUE(std::holds_alternative<SpawnFailure>(spawned));
    const auto& [status, detail] = std::get<SpawnFailure>(spawned);
    EXPECT_EQ(status.failed_step, SpawnStep::kExecute);
    EXPECT_EQ(status.error_number, ENOENT);
    EXPECT_EQ(status.shell_code(), 127);
    EXPECT_NE(detail.find("/nonexistent/tool"), std::string::npos);
}

// A background job of a script starts with SIGINT and SIGQUIT ignored, nohup ignores SIGHUP:
// a server started so must not hand that on, or Ctrl-C and forwarded signals do nothing.
TEST(Spawner, SignalsTheServerIgnoresAreAtTheirDefaultsInTheChild) {
    struct sigaction ignore {
    }, saved_int{}, saved_hup{};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(sigaction(SIGINT, &ignore, &saved_int), 0);
    ASSERT_EQ(sigaction(SIGHUP, &ignore, &saved_hup), 0);
    const auto result = run_shell("grep SigIgn /proc/self/status", {});
    sigaction(SIGINT, &saved_int, nullptr);
    sigaction(SIGHUP, &saved_hup, nullptr);
    EXPECT_EQ(result.out, "SigIgn:\t0000000000000000\n");
}

// `script` run by sh on the terminal side of `pty` as its controlling terminal, with fd 3
// writing to `report`.
SpawnRequest shell_on_terminal(const PseudoTerminal& pty, const Pipe& report, const char* script) {
    SpawnRequest request;
    request.executable = "/bin/sh";
    request.argv = {"sh", "-c", script};
    request.stdin_fd = request.stdout_fd = request.stderr_fd = pty.terminal.get();
    request.extra_fds = {{report.write.get(), 3}};
    request.controlling_terminal = true;
    request.working_directory = "/";
    return request;
}

TEST(Spawner, AChildGivenATerminalMakesItItsControllingTerminal) {
    PseudoTerminal pty = open_pseudo_terminal({24, 80});
    Pipe out = make_pipe();
    // The child waits on fd 4 until the test has looked at the terminal: once the session
    // leader exits the terminal has no foreground group, and a loaded machine can get there
    // before the test looks. /dev/tty opens only for a process with a controlling terminal.
    Pipe go = make_pipe();
    SpawnRequest request =
        shell_on_terminal(pty, out, "read go <&4; stty size && : < /dev/tty && echo has-tty >&3");
    request.extra_fds.push_back({go.read.get(), 4});
    Spawner spawner;
    auto spawned = spawner.spawn(request);
    ASSERT_TRUE(std::holds_alternative<ChildProcess>(spawned));
    auto& child = std::get<ChildProcess>(spawned);
    // It leads the terminal's foreground process group, as a login shell would.
    EXPECT_EQ(foreground_process_group(pty.controller.get()), child.pid());
    go.write.reset();
    pty.terminal.reset();
    const Spawned result = collect(child, out);
    EXPECT_EQ(result.out, "has-tty\n");
    EXPECT_EQ(result.exit_code, 0);
}

TEST(Spawner, AChildOnATerminalSeesTheSettingsGivenToIt) {
    PseudoTerminal pty = open_pseudo_terminal({24, 80});
    termios defaults{};
    ASSERT_EQ(tcgetattr(pty.terminal.get(), &defaults), 0);
    ASSERT_NE(defaults.c_cc[VINTR], 007) << "the test needs an interrupt key other than ^G";
    ASSERT_EQ(cfgetospeed(&defaults), B38400);
    // The caller's line speed is no setting of a pseudo-terminal: it keeps its own.
    protocol::TerminalModes modes{defaults.c_iflag | IUTF8,
                                  defaults.c_oflag,
                                  (defaults.c_cflag & ~CBAUD) | B9600,
                                  defaults.c_lflag & ~ECHOCTL,
                                  {}};
    for (std::size_t i = 0; i < protocol::kTerminalControlCharacters; ++i) {
        modes.control_characters[i] = defaults.c_cc[i];
    }
    modes.control_characters[VINTR] = 007;
    set_terminal_modes(pty.terminal.get(), modes);
    Pipe out = make_pipe();
    Spawner spawner;
    auto spawned = spawner.spawn(shell_on_terminal(pty, out, "stty -a >&3"));
    ASSERT_TRUE(std::holds_alternative<ChildProcess>(spawned));
    pty.terminal.reset();
    const auto [shown, exit_code] = collect(std::get<ChildProcess>(spawned), out);
    EXPECT_EQ(exit_code, 0);
    EXPECT_NE(shown.find("intr = ^G;"), std::string::npos) << shown;
    EXPECT_NE(shown.find(" iutf8"), std::string::npos) << shown;
    EXPECT_NE(shown.find("-echoctl"), std::string::npos) << shown;
    EXPECT_NE(shown.find("speed 38400 baud"), std::string::npos) << shown;
}

// Programs reopen their terminal by path (ttyname, then open): a child running as another
// user must own it, as after login.
TEST(Spawner, AChildRunningAsAnotherUserCanReopenItsTerminalByPath) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to change identities (CI runs as root)";
    PseudoTerminal pty = open_pseudo_terminal({24, 80});
    give_terminal_to(pty.terminal.get(), 65534);
    Pipe out = make_pipe();
    SpawnRequest request =
        shell_on_terminal(pty, out, "stty size < \"$(tty)\" && echo reopened >&3");
    request.identity = ChildIdentity{65534, 65534, {}};
    Spawner spawner;
    auto spawned = spawner.spawn(request);
    ASSERT_TRUE(std::holds_alternative<ChildProcess>(spawned));
    pty.terminal.reset();
    const Spawned result = collect(std::get<ChildProcess>(spawned), out);
    EXPECT_EQ(result.out, "reopened\n");
    EXPECT_EQ(result.exit_code, 0);
}

SpawnRequest shell_as(const ChildIdentity& identity, int stdout_fd, int other_fd) {
    SpawnRequest request;
    request.executable = "/bin/sh";
    request.argv = {"sh", "-c", "grep -E '^(Uid|Gid|Groups):' /proc/self/status"};
    request.stdin_fd = request.stderr_fd = other_fd;
    request.stdout_fd = stdout_fd;
    request.working_directory = request.fallback_directory = "/";
    request.identity = identity;
    return request;
}

TEST(Spawner, ChildSwitchesToTheRequestedIdentityAndTheServerKeepsItsOwn) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to change identities (CI runs as root)";
    Pipe out = make_pipe();
    UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    Spawner spawner;
    auto spawned = spawner.spawn(shell_as({65534, 65533, {65533, 4}}, out.write.get(), null.get()));
    ASSERT_TRUE(std::holds_alternative<ChildProcess>(spawned));
    const auto [shown, exit_code] = collect(std::get<ChildProcess>(spawned), out);
    EXPECT_EQ(exit_code, 0);
    EXPECT_NE(shown.find("Uid:\t65534\t65534\t65534\t65534"), std::string::npos) << shown;
    EXPECT_NE(shown.find("Gid:\t65533\t65533\t65533\t65533"), std::string::npos) << shown;
    EXPECT_NE(shown.find("Groups:\t4 65533"), std::string::npos) << shown;
    EXPECT_EQ(geteuid(), 0u);  // the change stayed in the child
    EXPECT_EQ(getegid(), 0u);
}

// Run in a child process that is (or, under root, becomes) unprivileged, so CI's root run
// tests it too. Exits 0 when the failure names the step, else says what it got.
void spawn_unpermitted_identity_change() {
    if (geteuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) {
        std::fprintf(stderr, "could not drop root to uid 65534\n");
        std::_Exit(2);
    }
    UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    Spawner spawner;
    auto spawned = spawner.spawn(shell_as({0, 0, {}}, null.get(), null.get()));
    if (!std::holds_alternative<SpawnFailure>(spawned)) {
        std::fprintf(stderr, "the identity change to root succeeded unprivileged\n");
        std::_Exit(1);
    }
    const auto& [status, detail] = std::get<SpawnFailure>(spawned);
    const bool as_expected = status.failed_step == SpawnStep::kSetGroups &&
                             status.error_number == EPERM && status.shell_code() == 126 &&
                             detail == "setgroups as uid 0 gid 0 without supplementary groups";
    if (!as_expected) {
        std::fprintf(stderr, "step %d errno %d code %d detail '%s'\n",
                     static_cast<int>(status.failed_step), status.error_number, status.shell_code(),
                     detail.c_str());
    }
    std::_Exit(as_expected ? 0 : 1);
}

TEST(Spawner, IdentityChangeThatIsNotPermittedNamesItsStep) {
    EXPECT_EXIT(spawn_unpermitted_identity_change(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace bro::server
