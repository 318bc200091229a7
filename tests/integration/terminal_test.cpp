// Terminal sessions (BRO_TTY), driven through a real terminal: tmux gives an interactive outer
// shell a terminal, the test types a bro-client call into it that runs `bash -i` on the
// server's pseudo-terminal, then types keys and reads the screen, as a user would.
//
// Every wait polls the screen (or /proc) against a generous deadline: the tests share a
// loaded machine, and a terminal round trip goes through tmux, two shells and bro.
// Typed commands print their markers through shell arithmetic ($((6*7)) -> 42), so the echo
// of what was typed never matches what the test waits for.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kScreenDeadline = 30s;

bool tmux_installed() {
    return access("/usr/bin/tmux", X_OK) == 0;
}

// The fields of /proc/PID/stat after the command name ("S 1234 ..." : state, parent, ...), or
// "" when the process is gone. The name is in parentheses and may itself hold spaces.
std::string stat_fields(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? "" : stat.substr(close + 2);
}

// A process's parent, or 0 when it is gone.
pid_t parent_of(pid_t pid) {
    const std::string fields = stat_fields(pid);
    return fields.size() < 3 ? 0 : std::atoi(fields.c_str() + 2);
}

// The pid of the process whose command line is exactly `argv` (and whose parent is `parent`,
// when given: tests running at the same time run the same command lines), or nullopt.
std::optional<pid_t> pid_running(const std::vector<std::string>& argv,
                                 std::optional<pid_t> parent = std::nullopt) {
    std::string wanted;
    for (const auto& argument : argv) wanted += argument + '\0';
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return std::nullopt;
    std::optional<pid_t> found;
    while (dirent* entry = readdir(proc)) {
        const std::string name = entry->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (read_file("/proc/" + name + "/cmdline") != wanted) continue;
        const pid_t pid = std::stoi(name);
        if (!parent || parent_of(pid) == *parent) found = pid;
    }
    closedir(proc);
    return found;
}

class TerminalSession : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!tmux_installed()) GTEST_SKIP() << "tmux is not installed (tools/setup installs it)";
        server.emplace(dir, "/bin/bash",
                       std::vector<std::string>{"--allowed-env", "TERM", "--inherit-env", "PS1"},
                       std::vector<std::string>{"PS1=inner> "});
        server_fds = settled_fd_count(server->pid());
        const auto started = tmux({"new-session", "-d", "-s", "bro", "-x", "80", "-y", "24", "env",
                                   "-i", "PATH=/usr/bin:/bin", "HOME=" + dir.path(), "TERM=screen",
                                   "PS1=outer> ", "bash", "--norc", "--noprofile", "-i"});
        ASSERT_TRUE(started.exited() && started.exit_code() == 0) << started.err;
        tmux_running = true;
        ASSERT_TRUE(wait_for_screen("outer> ")) << screen();
    }

    void TearDown() override {
        if (tmux_running) tmux({"kill-server"});
    }

    ProcessResult tmux(std::vector<std::string> arguments) {
        ProcessOptions options;
        options.argv = {"/usr/bin/tmux", "-S", dir.path() + "/tmux.sock"};
        options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
        options.environment = {"PATH=/usr/bin:/bin", "HOME=" + dir.path(), "TERM=screen"};
        options.timeout = 30s;
        return run_process(options);
    }

    // Types `line` into whatever reads the terminal now, then Enter.
    void type(const std::string& line) {
        tmux({"send-keys", "-t", "bro", "-l", line});
        tmux({"send-keys", "-t", "bro", "Enter"});
    }
    void press(const std::string& key) { tmux({"send-keys", "-t", "bro", key}); }

    // The visible screen, wrapped lines joined.
    std::string screen() { return tmux({"capture-pane", "-p", "-J", "-t", "bro"}).out; }
    bool wait_for_screen(const std::string& text) {
        return eventually([&] { return screen().find(text) != std::string::npos; },
                          kScreenDeadline);
    }

    // The outer shell runs bro-client with `settings` on a terminal session running
    // `bash -i`, and afterwards prints its exit status and saves the terminal settings from
    // before and after. Returns once the inner shell prompts.
    void start_client(const std::string& settings = "BRO_TTY=1") {
        type("cd " + dir.path() + "; stty -a > before; echo OUTER=$(tty); " + settings +
             " BRO_FORWARD_ENV=TERM BRO_SOCKET_PATH=" + server->socket_path() + " " +
             client_binary() +
             " --norc --noprofile -i; echo STATUS=$?; stty -a > after; echo DONE=$((40+2))");
        ASSERT_TRUE(wait_for_screen("inner> ")) << screen() << server->log();
    }

    // Types a bro-client call with `settings` and `arguments` against `socket_path` into the
    // outer shell, which then reports its exit status for client_status().
    void call_client(const std::string& settings, const std::string& socket_path,
                     const std::string& arguments) {
        type(settings + " BRO_SOCKET_PATH=" + socket_path + " " + client_binary() + " " +
             arguments + "; echo STATUS=$?; echo DONE=$((40+2))");
    }

    // Waits for the outer shell to report the client's exit status, and returns it.
    std::string client_status() {
        EXPECT_TRUE(wait_for_screen("DONE=42")) << screen() << server->log();
        const std::string text = screen();
        const auto at = text.rfind("STATUS=");  // the output, after the typed command
        if (at == std::string::npos) return "none";
        return text.substr(at + 7, text.find('\n', at) - at - 7);
    }

    void expect_terminal_restored() {
        const std::string before = read_file(dir.path() + "/before");
        ASSERT_NE(before.find("icanon"), std::string::npos) << before;
        EXPECT_EQ(read_file(dir.path() + "/after"), before) << "the caller's terminal settings";
    }

    // Types this test's own sleep into the inner shell; its pid once it runs, or nullopt.
    std::optional<pid_t> start_sleep() {
        type("sleep " + unique_sleep);
        std::optional<pid_t> sleeper;
        eventually(
            [&] {
                sleeper = pid_running({"sleep", unique_sleep});
                return sleeper.has_value();
            },
            kScreenDeadline);
        return sleeper;
    }

    // Runs this test's own sleep in the inner shell, presses `key` once it runs, and returns
    // the sleep's exit status as the inner shell reports it ("130": interrupted by SIGINT).
    std::string status_of_sleep_after_pressing(const std::string& key) {
        if (!start_sleep()) return "the sleep never ran:\n" + screen();
        press(key);
        type("echo CODE=$? NEXT=$((6*7))");
        if (!wait_for_screen("NEXT=42")) return "no status:\n" + screen();
        const std::string text = screen();
        const auto at = text.rfind("CODE=");  // the output, after the typed command
        return text.substr(at + 5, text.find(' ', at) - at - 5);
    }

    // The outer shell's pid: bro-client runs as its child.
    pid_t outer_shell() {
        return std::atoi(tmux({"display-message", "-p", "-t", "bro", "#{pane_pid}"}).out.c_str());
    }

    // `pane_height pane_width`, as tmux sees the caller's terminal now.
    std::string tmux_size() {
        std::string size =
            tmux({"display-message", "-p", "-t", "bro", "#{pane_height} #{pane_width}"}).out;
        if (!size.empty() && size.back() == '\n') size.pop_back();
        return size;
    }

    TempDir dir;
    std::optional<BroServer> server;
    int server_fds = 0;
    bool tmux_running = false;
    // A sleep only this test runs, to find it in /proc.
    std::string unique_sleep = "1000." + std::to_string(getpid());
};

TEST_F(TerminalSession, TheProgramGetsAFreshTerminalOfTheCallersSize) {
    start_client();
    type(
        "echo INNER=$(tty) SIZE=$(stty size) PGRP=$(($(cut -d' ' -f8 /proc/$$/stat) - $$)) "
        "END=$((6*7))");
    ASSERT_TRUE(wait_for_screen("END=42")) << screen();
    const std::string text = screen();
    EXPECT_NE(text.find("SIZE=" + tmux_size()), std::string::npos) << text;
    // The shell leads the terminal's foreground group: it is its controlling terminal.
    EXPECT_NE(text.find("PGRP=0"), std::string::npos) << text;
    const auto outer = text.find("OUTER=/dev/pts/");
    const auto inner = text.find("INNER=/dev/pts/");
    ASSERT_NE(outer, std::string::npos) << text;
    ASSERT_NE(inner, std::string::npos) << text;
    EXPECT_NE(text.substr(outer + 6, text.find('\n', outer) - outer - 6),
              text.substr(inner + 6, text.find(' ', inner) - inner - 6))
        << "the caller's own terminal must never be the program's";
    type("exit");
    EXPECT_EQ(client_status(), "0");
}

TEST_F(TerminalSession, AResizeOfTheCallersTerminalReachesTheProgram) {
    start_client();
    const std::string before = tmux_size();
    ASSERT_EQ(tmux({"resize-window", "-t", "bro", "-x", "100", "-y", "30"}).exit_code(), 0);
    ASSERT_NE(tmux_size(), before) << "tmux did not resize the window";
    // Polled: the client learns of the resize through SIGWINCH, asynchronously.
    const bool seen = eventually(
        [&] {
            type("echo SIZE=$(stty size)");
            return eventually(
                [&] { return screen().find("SIZE=" + tmux_size()) != std::string::npos; }, 2s);
        },
        kScreenDeadline);
    EXPECT_TRUE(seen) << "expected SIZE=" << tmux_size() << "\n" << screen();
    type("exit");
    EXPECT_EQ(client_status(), "0");
}

TEST_F(TerminalSession, CtrlCInterruptsTheForegroundJobAndTheShellGoesOn) {
    start_client();
    EXPECT_EQ(status_of_sleep_after_pressing("C-c"), "130");
    EXPECT_FALSE(pid_running({"sleep", unique_sleep}).has_value());
    type("exit");
    EXPECT_EQ(client_status(), "0");
}

// Settings no new terminal has: the program's terminal must start with the caller's, and its
// line discipline must act on them (Ctrl-G, not Ctrl-C, interrupts).
TEST_F(TerminalSession, TheProgramsTerminalStartsWithTheCallersSettings) {
    type("stty intr ^G erase ^H -echoctl");
    start_client();
    const std::string saved = dir.path() + "/inner-settings";
    type("stty -a > " + saved + "; echo SAVED=$((6*7))");
    ASSERT_TRUE(wait_for_screen("SAVED=42")) << screen();
    const std::string inner = read_file(saved);
    EXPECT_NE(inner.find("intr = ^G;"), std::string::npos) << inner;
    EXPECT_NE(inner.find("erase = ^H;"), std::string::npos) << inner;
    EXPECT_NE(inner.find("-echoctl"), std::string::npos) << inner;
    EXPECT_EQ(status_of_sleep_after_pressing("C-g"), "130");
    type("exit");
    EXPECT_EQ(client_status(), "0");
    expect_terminal_restored();
}

TEST_F(TerminalSession, CtrlZStopsTheForegroundJobAndFgResumesIt) {
    start_client();
    const std::optional<pid_t> sleeper = start_sleep();
    ASSERT_TRUE(sleeper.has_value()) << screen();
    press("C-z");
    EXPECT_TRUE(eventually([&] { return process_state(*sleeper) == 'T'; }, kScreenDeadline));
    EXPECT_TRUE(wait_for_screen("Stopped")) << screen();
    type("fg");
    EXPECT_TRUE(eventually([&] { return process_state(*sleeper) == 'S'; }, kScreenDeadline))
        << "state " << process_state(*sleeper);
    press("C-c");
    EXPECT_TRUE(eventually([&] { return !pid_running({"sleep", unique_sleep}); }, kScreenDeadline));
    type("exit 0");
    EXPECT_EQ(client_status(), "0");
}

TEST_F(TerminalSession, TheShellsExitStatusIsTheClientsAndTheTerminalIsRestored) {
    start_client();
    type("exit 7");
    EXPECT_EQ(client_status(), "7");
    expect_terminal_restored();
    EXPECT_TRUE(fd_count_returns_to(server->pid(), server_fds)) << "the session leaked descriptors";
}

TEST_F(TerminalSession, AProgramKilledByASignalKillsTheClientAfterTheTerminalIsRestored) {
    start_client();
    type("kill -KILL $$");
    EXPECT_EQ(client_status(), "137");
    expect_terminal_restored();
}

TEST_F(TerminalSession, AServerKilledMidSessionLeavesTheTerminalRestored) {
    start_client();
    ASSERT_TRUE(start_sleep().has_value()) << screen();
    kill(server->pid(), SIGKILL);
    EXPECT_EQ(client_status(), "125");
    EXPECT_NE(screen().find("the server closed the connection"), std::string::npos) << screen();
    expect_terminal_restored();
    // The pseudo-terminal went with the server: the hang-up ended the shell and its job.
    EXPECT_TRUE(eventually([&] { return !pid_running({"sleep", unique_sleep}); }, kScreenDeadline));
}

TEST_F(TerminalSession, SigtstpStopsTheClientWithTheTerminalRestoredAndFgResumesIt) {
    start_client();
    std::optional<pid_t> client;
    const pid_t shell = outer_shell();
    ASSERT_GT(shell, 0);
    ASSERT_TRUE(eventually(
        [&] {
            client = pid_running({client_binary(), "--norc", "--noprofile", "-i"}, shell);
            return client.has_value();
        },
        kScreenDeadline));
    kill(*client, SIGTSTP);
    // bash goes on with the rest of the command line, as for any stopped job (148 = 128 +
    // SIGTSTP), and the outer shell has the terminal back, in its own settings.
    EXPECT_EQ(client_status(), "148");
    EXPECT_EQ(process_state(*client), 'T');
    expect_terminal_restored();
    type("fg; echo RESUMED_STATUS=$?; stty -a > after; echo FINISHED=$((40+2))");
    type("echo RESUMED=$((6*7))");
    EXPECT_TRUE(wait_for_screen("RESUMED=42")) << screen();
    type("exit 3");
    EXPECT_TRUE(wait_for_screen("FINISHED=42")) << screen();
    EXPECT_NE(screen().find("RESUMED_STATUS=3"), std::string::npos) << screen();
    expect_terminal_restored();
}

TEST_F(TerminalSession, BroTtyWithFdPassingPinnedIsRefused) {
    call_client("BRO_TTY=1 BRO_TRANSFER_MODE=fd", server->socket_path(), "-c true");
    EXPECT_EQ(client_status(), "125");
    EXPECT_NE(screen().find("needs content mode"), std::string::npos) << screen();
}

// Output written just before the exit is still read from the terminal (the end of file is
// the EIO that follows the last byte) before the exit status is reported.
TEST_F(TerminalSession, EveryLineWrittenBeforeTheExitReachesTheCaller) {
    const std::string log = dir.path() + "/pane.log";
    tmux({"pipe-pane", "-t", "bro", "-o", "cat > '" + log + "'"});
    call_client("BRO_TTY=1", server->socket_path(), "-c 'seq 1 100000; exit 4'");
    EXPECT_EQ(client_status(), "4");
    // tmux drops what it has not yet handed to the pipe when the pipe is turned off.
    EXPECT_TRUE(eventually([&] { return read_file(log).find("DONE=42") != std::string::npos; },
                           kScreenDeadline));
    tmux({"pipe-pane", "-t", "bro"});
    // Without carriage returns and control sequences (bash's bracketed-paste switches).
    std::string all;
    const std::string raw = read_file(log);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
            i += 2;
            while (i < raw.size() && !(raw[i] >= '@' && raw[i] <= '~')) ++i;
        } else if (raw[i] != '\r') {
            all += raw[i];
        }
    }
    std::size_t numbers = 0;
    std::size_t expected = 1;
    for (std::size_t at = 0; at < all.size();) {
        const auto end = all.find('\n', at);
        const std::string line = all.substr(at, end - at);
        if (line == std::to_string(expected)) ++numbers, ++expected;
        if (end == std::string::npos) break;
        at = end + 1;
    }
    EXPECT_EQ(numbers, 100000u) << "lines 1 to 100000 in order";
}

TEST_F(TerminalSession, CaptureTtyStdinAsksForATerminalUnlessBroTtyIsZero) {
    start_client("BRO_CAPTURE_TTY_STDIN=1");
    type("test -t 0 && test -t 1 && echo TERMINAL=$((6*7))");
    EXPECT_TRUE(wait_for_screen("TERMINAL=42")) << screen();
    type("exit 0");
    EXPECT_EQ(client_status(), "0");

    type("BRO_TTY=0 BRO_CAPTURE_TTY_STDIN=1 BRO_SOCKET_PATH=" + server->socket_path() + " " +
         client_binary() + " -c 'test -t 0 || echo PIPE=$((6*7))'; echo AGAIN=$((40+2))");
    EXPECT_TRUE(wait_for_screen("AGAIN=42")) << screen();
    EXPECT_NE(screen().find("PIPE=42"), std::string::npos) << screen();
}

TEST_F(TerminalSession, AServerTakingOnlyFdPassingSaysATerminalNeedsContentMode) {
    BroServer fd_only(dir, "/bin/bash", {"--fd-passing"});
    call_client("BRO_TTY=1", fd_only.socket_path(), "-c true");
    EXPECT_EQ(client_status(), "125");
    EXPECT_NE(screen().find("set BRO_TTY=0 to run it without one"), std::string::npos) << screen();
}

// Without a terminal on both stdin and stdout, BRO_TTY=1 runs the program as usual, with
// pipes: a wrapper that asks for a terminal still works in a pipeline.
TEST(TerminalSetting, BroTtyWithoutATerminalRunsThePlainWay) {
    TempDir dir;
    BroServer server(dir, "/bin/sh");
    const auto result = run_client(
        server, {.args = {"-c", "cat; test -t 0 || echo stdin-pipe; test -t 1 || echo stdout-pipe"},
                 .environment = {"BRO_TTY=1"},
                 .stdin_data = "hello\n"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "hello\nstdin-pipe\nstdout-pipe\n");
}

TEST(TerminalSetting, AnInvalidBroTtyIsAnError) {
    TempDir dir;
    BroServer server(dir, "/bin/true");
    const auto result = run_client(server, {.environment = {"BRO_TTY=yes"}});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("BRO_TTY is \"yes\""), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bro::test
