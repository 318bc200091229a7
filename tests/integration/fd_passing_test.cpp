// fd-passing mode: the caller's descriptors go to the child; the server relays no data.

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "bro_fixture.hpp"
#include "core/unique_fd.hpp"
#include "raw_connection.hpp"

namespace bro::test {
namespace {

class FdPassing : public ::testing::Test {
  protected:
    TempDir dir;
    // Runs `command` in /bin/sh with the client at "$BRO" and the server's socket set, so a
    // test can give the client redirections a shell would.
    ProcessResult shell(const BroServer& server, const std::string& command,
                        std::vector<std::string> environment = {}) {
        ProcessOptions options;
        options.argv = {"/bin/sh", "-c", command};
        options.environment = {"BRO=" + client_binary(), "BRO_SOCKET_PATH=" + server.socket_path(),
                               "PATH=/usr/bin:/bin", "D=" + dir.path()};
        options.environment.insert(options.environment.end(), environment.begin(),
                                   environment.end());
        return run_process(options);
    }
};

TEST_F(FdPassing, FileArgumentArrivesAsFd3AndIsReadByTheChild) {
    BroServer server(dir, dir.write_script("show", R"(echo "$1"; cat "$1")"), {"--fd-passing"});
    const auto file = dir.write_file("input.txt", "through a descriptor\n");
    const auto result = run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}});
    EXPECT_EQ(result.exit_code(), 0) << result.err << server.log();
    EXPECT_EQ(result.out, "/dev/fd/3\nthrough a descriptor\n");
}

TEST_F(FdPassing, ChildWritingThroughAFileArgumentChangesTheCallersFile) {
    BroServer server(dir, "/usr/bin/tee", {"--fd-passing"});
    const auto file = dir.write_file("out.txt", "old content that must go\n");
    const auto result = run_client(
        server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}, .stdin_data = "new\n"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(read_file(file), "new\n");
}

TEST_F(FdPassing, AppendRedirectedStdoutKeepsOAppend) {
    BroServer server(dir, "/bin/echo", {"--fd-passing"});
    dir.write_file("log", "first\n");
    const auto result = shell(server, R"("$BRO" second >> "$D/log")");
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(read_file(dir.path() + "/log"), "first\nsecond\n");
}

TEST_F(FdPassing, ChildWritesStraightIntoTheCallersStdoutFile) {
    BroServer server(dir, dir.write_script("where", "readlink /proc/$$/fd/1"), {"--fd-passing"});
    const auto result = shell(server, R"("$BRO" > "$D/out"; cat "$D/out")");
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, dir.path() + "/out\n") << "stdout was relayed, not passed";
}

TEST_F(FdPassing, ClosedStdoutGivesTheChildAHarmlessDescriptor) {
    BroServer server(dir, "/bin/echo", {"--fd-passing"});
    const auto result = shell(server, R"("$BRO" lost >&-; echo "status $?")");
    EXPECT_EQ(result.out, "status 0\n") << result.err;
}

TEST_F(FdPassing, StdinFromARegularFileIsReadDirectly) {
    BroServer server(dir, "/bin/cat", {"--fd-passing"});
    const std::string content = random_bytes(2 << 20, 7);
    dir.write_file("in", content);
    const auto result = shell(server, R"(exec "$BRO" < "$D/in")");
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(result.out == content);
}

TEST_F(FdPassing, ForwardedFdsArriveAtTheirOwnNumbers) {
    BroServer server(dir, dir.write_script("read-fds", "cat <&3; cat <&5"), {"--fd-passing"});
    dir.write_file("three", "from three\n");
    dir.write_file("five", "from five\n");
    const auto result =
        shell(server, R"(exec 3<"$D/three" 5<"$D/five"; exec "$BRO")", {"BRO_FORWARD_FDS=3,5"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "from three\nfrom five\n");
}

// The server's received copies land on small numbers too, so with many forwarded fds some
// source and target numbers coincide: each must still arrive (dived drops such an fd).
TEST_F(FdPassing, ManyForwardedFdsSurviveNumbersThatCollideWithTheServers) {
    std::string body, redirections, list;
    for (int fd = 3; fd <= 9; ++fd) {  // sh redirects single-digit fds only
        const std::string n = std::to_string(fd);
        dir.write_file(std::string("f").append(n), std::string(n).append("\n"));
        body.append("cat <&").append(n).append("; ");
        redirections.append(" ").append(n).append("<\"$D/f").append(n).append("\"");
        if (!list.empty()) list.append(",");
        list.append(n);
    }
    BroServer server(dir, dir.write_script("read-all", body + "cat \"$1\""), {"--fd-passing"});
    const auto file = dir.write_file("arg", "file argument\n");
    const auto result = shell(server, "exec" + redirections + "; exec \"$BRO\" \"$D/arg\"",
                              {"BRO_FORWARD_FDS=" + list, "BRO_FILE_ARGS=1"});
    EXPECT_EQ(result.exit_code(), 0) << result.err << server.log();
    EXPECT_EQ(result.out, "3\n4\n5\n6\n7\n8\n9\nfile argument\n");
}

TEST_F(FdPassing, ChildHasNoControllingTerminal) {
    BroServer server(dir, dir.write_script("tty", "cut -d' ' -f7 /proc/$$/stat"), {"--fd-passing"});
    const auto result = run_client(server, {});
    EXPECT_EQ(result.out, "0\n") << "tty_nr of the child";
}

TEST_F(FdPassing, ExitStatusesAreExact) {
    BroServer server(
        dir, dir.write_script("exit-with", "[ \"$1\" = kill ] && kill -KILL $$; exit \"$1\""),
        {"--fd-passing"});
    EXPECT_EQ(run_client(server, {.args = {"42"}}).exit_code(), 42);
    const auto killed = run_client(server, {.args = {"kill"}});
    EXPECT_TRUE(killed.signaled());
    EXPECT_EQ(killed.signal(), SIGKILL);
}

// 10,000 calls; 2,000 in a sanitizer build, where each costs about four times as much and the
// full count took 150 s of the test's 300 s limit. A descriptor leaked per call shows either way.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kManyInvocations = 2000;
#else
constexpr int kManyInvocations = 10000;
#endif

TEST_F(FdPassing, ServerFdCountIsUnchangedAfterThousandsOfInvocations) {
    BroServer server(dir, "/bin/true", {"--fd-passing"});
    const auto file = dir.write_file("f", "x");
    ASSERT_EQ(run_client(server, {}).exit_code(), 0);
    const int baseline = settled_fd_count(server.pid());
    int failures = 0;
    for (int i = 0; i < kManyInvocations; ++i) {
        const auto result =
            run_client(server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}});
        failures += result.exit_code() != 0;
    }
    EXPECT_EQ(failures, 0);
    EXPECT_TRUE(fd_count_returns_to(server.pid(), baseline));
}

TEST_F(FdPassing, TwoHundredConcurrentClientsEachGetTheirOwnOutput) {
    BroServer server(dir, "/bin/echo", {"--fd-passing"});
    std::vector<std::future<ProcessResult>> runs;
    for (int i = 0; i < 200; ++i) {
        runs.push_back(std::async(std::launch::async, [&, i] {
            return run_client(server, {.args = {"client", std::to_string(i)}});
        }));
    }
    for (int i = 0; i < 200; ++i) {
        const auto result = runs[i].get();
        EXPECT_EQ(result.out, "client " + std::to_string(i) + "\n") << result.err;
    }
}

TEST_F(FdPassing, FileInvisibleToTheServerByPathStillReachesTheChild) {
    ProcessOptions probe;
    probe.argv = {"/usr/bin/unshare", "-m", "/bin/true"};
    if (run_process(probe).exit_code() != 0) {
        GTEST_SKIP() << "unshare -m is not permitted here (needs root or user namespaces)";
    }
    BroServer server(dir, "/bin/cat", {"--fd-passing"});
    const std::string hidden = dir.path() + "/hidden";
    ASSERT_EQ(mkdir(hidden.c_str(), 0700), 0);
    // Inside a private mount namespace a tmpfs covers `hidden`: the file exists only there.
    const auto result = shell(server,
                              R"(exec unshare -m sh -c 'mount -t tmpfs none "$D/hidden" &&
                                 echo "only in my namespace" > "$D/hidden/secret" &&
                                 exec "$BRO" "$D/hidden/secret"')",
                              {"BRO_FILE_ARGS=1"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out, "only in my namespace\n");
    EXPECT_NE(access((hidden + "/secret").c_str(), F_OK), 0) << "the server can see the file";
}

// Mode negotiation: the client needs no configuration for either kind of server.
TEST_F(FdPassing, DefaultClientFallsBackToContentModeForAContentOnlyServer) {
    BroServer server(dir, dir.write_script("where", "readlink /proc/$$/fd/1"));
    const auto result = shell(server, R"("$BRO" > "$D/out"; cat "$D/out")");
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.out.rfind("pipe:", 0), 0u) << result.out;
}

bool kernel_has_so_passrights() {
    const UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int off = 0;
    return setsockopt(probe.get(), SOL_SOCKET, 83 /* SO_PASSRIGHTS */, &off, sizeof off) == 0;
}

// The fd-passing attempt's connection carries the content-mode retry: one session, not two.
// Where the content-only socket refuses descriptors in the kernel (Linux 6.16), that refusal
// is the answer: the client sends its content-mode Request at once, and the server never has
// to offer the retry (a round trip saved on every auto-mode call). On older kernels the
// server's ModeRejected and RetryHere bring the client to the same place.
TEST_F(FdPassing, TheFallbackToContentModeStaysOnTheSameConnection) {
    BroServer server(dir, "/bin/echo");
    const auto result = run_client(server, {.args = {"once"}});
    ASSERT_EQ(result.out, "once\n") << result.err;
    // Sessions that sent something (the fixture's own readiness probe sends nothing).
    const std::string log = server.log();
    const auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count("connected (") - count("closed before sending a request"), 1u) << log;
    EXPECT_EQ(count("may retry on this connection"), kernel_has_so_passrights() ? 0u : 1u) << log;
}

// A Request in fd-passing mode, with the three standard descriptors (/dev/null).
Bytes fd_mode_request(const std::vector<UniqueFd>& stdio, std::vector<int>& fds) {
    protocol::RequestView view;
    view.mode = protocol::TransferMode::kFdPassing;
    view.cwd = "/";
    for (const auto& fd : stdio) fds.push_back(fd.get());
    return request_frame(view);
}

// Sends it as bro-client does: with the descriptors, or, when a content-only socket refuses
// them in the kernel (SO_PASSRIGHTS, Linux 6.16: EPERM, nothing sent), the Request alone.
bool send_fd_mode_request(RawConnection& connection, const Bytes& request,
                          const std::vector<int>& fds) {
    if (connection.send_with_fds(request, fds)) return true;
    return errno == EPERM && connection.send(request);
}

std::vector<protocol::FrameType> types_of(const Reply& reply) {
    std::vector<protocol::FrameType> types;
    for (const auto& frame : reply.frames) types.push_back(frame.type);
    return types;
}

TEST_F(FdPassing, AContentOnlyServerOffersTheRetryOnTheSameConnectionOnlyOnce) {
    BroServer server(dir, "/bin/echo");
    std::vector<UniqueFd> stdio;
    for (int i = 0; i < 3; ++i) stdio.emplace_back(open("/dev/null", O_RDWR | O_CLOEXEC));
    std::vector<int> fds;
    const Bytes request = fd_mode_request(stdio, fds);
    RawConnection connection(server.socket_path());
    ASSERT_TRUE(send_fd_mode_request(connection, request, fds));
    const Reply offer = connection.read_reply(std::chrono::milliseconds(300));
    EXPECT_EQ(types_of(offer),
              std::vector({protocol::FrameType::kModeRejected, protocol::FrameType::kRetryHere}));
    EXPECT_FALSE(offer.closed) << "the connection must stay open for the retry";
    // Another fd-passing Request instead of the content-mode one: refused for good.
    ASSERT_TRUE(send_fd_mode_request(connection, request, fds));
    const Reply final_answer = connection.read_reply();
    EXPECT_EQ(types_of(final_answer), std::vector({protocol::FrameType::kModeRejected}));
    EXPECT_TRUE(final_answer.closed);
}

// What a client from before RetryHere does: close, and connect again in content mode. At the
// per-uid limit, too, its second connection must find the first one's place free. (A limit of
// 2, not 1: the previous round's session may still be ending when the next one connects.)
TEST_F(FdPassing, AClientThatReconnectsAfterTheRejectionIsStillServed) {
    BroServer server(dir, "/bin/echo", {"--max-sessions-per-uid", "2"});
    std::vector<UniqueFd> stdio;
    for (int i = 0; i < 3; ++i) stdio.emplace_back(open("/dev/null", O_RDWR | O_CLOEXEC));
    std::vector<int> fds;
    const Bytes request = fd_mode_request(stdio, fds);
    for (int round = 0; round < 8; ++round) {
        {
            RawConnection attempt(server.socket_path());
            ASSERT_TRUE(send_fd_mode_request(attempt, request, fds));
            const Reply rejected = attempt.read_reply(std::chrono::milliseconds(100));
            ASSERT_FALSE(rejected.frames.empty());
            ASSERT_EQ(rejected.frames.front().type, protocol::FrameType::kModeRejected);
        }
        protocol::RequestView view;
        view.cwd = "/";
        const std::vector<std::string_view> arguments = {"again"};
        view.arguments = arguments;
        const Reply reply = send_and_read_reply(server.socket_path(), request_frame(view));
        ASSERT_EQ(reply.exit_code(), std::optional<int>(0)) << reply.error();
        EXPECT_EQ(reply.out(), "again\n");
    }
}

TEST_F(FdPassing, ServerAcceptingBothModesGetsFdPassing) {
    BroServer server(dir, dir.write_script("where", "readlink /proc/$$/fd/1"),
                     {"--transfer-modes", "content,fd"});
    const auto result = shell(server, R"("$BRO" > "$D/out"; cat "$D/out")");
    EXPECT_EQ(result.out, dir.path() + "/out\n");
}

TEST_F(FdPassing, ForcingContentModeAgainstAnFdOnlyServerSaysWhatToChange) {
    BroServer server(dir, "/bin/true", {"--fd-passing"});
    const auto result = run_client(server, {.environment = {"BRO_TRANSFER_MODE=content"}});
    EXPECT_EQ(result.exit_code(), 125);
    EXPECT_NE(result.err.find("BRO_TRANSFER_MODE"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST_F(FdPassing, DescriptorsSentWithAContentRequestAreRefusedAndClosed) {
    BroServer server(dir, "/bin/echo");
    ASSERT_EQ(run_client(server, {.args = {"warm"}}).exit_code(), 0);
    const int baseline = settled_fd_count(server.pid());
    // A minimal valid content-mode request: magic, version, mode 0, stdin none, umask, no
    // flags, cwd "/", no arguments, environment, files or forwarded fds.
    const std::uint8_t request[] = {0x01, 0, 0, 0, 30, 'B', 'R', 'O', 1, 0, 0, 0,
                                    0x12, 0, 0, 0, 0,  1,   '/', 0,   0, 0, 0, 0,
                                    0,    0, 0, 0, 0,  0,   0,   0,   0, 0, 0};
    const UniqueFd passed(open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int fds[] = {passed.get()};
    RawConnection connection(server.socket_path());
    if (connection.send_with_fds(request, fds)) {
        // A kernel without SO_PASSRIGHTS (before 6.16) delivers them: the server refuses.
        const Reply reply = connection.read_reply();
        EXPECT_NE(reply.error().find("descriptors"), std::string::npos)
            << "expected an Error frame";
    } else {
        // The content-only socket refuses descriptors in the kernel: none ever reached it.
        EXPECT_EQ(errno, EPERM) << std::strerror(errno);
    }
    EXPECT_EQ(run_client(server, {.args = {"still"}}).out, "still\n");
    EXPECT_TRUE(fd_count_returns_to(server.pid(), baseline));
}

// A content-only server never holds a caller's descriptor, not even for a moment: the kernel
// refuses them at the sender, while the same request without them is served (bro-client in
// auto mode then falls back to content mode, which the other tests exercise).
TEST_F(FdPassing, AContentOnlySocketRefusesDescriptorsInTheKernel) {
    if (!kernel_has_so_passrights()) GTEST_SKIP() << "SO_PASSRIGHTS needs Linux 6.16";
    BroServer content_only(dir, "/bin/echo");
    BroServer fd_server(dir, "/bin/echo", {"--fd-passing"});
    const std::uint8_t byte[] = {0x01};
    const UniqueFd passed(open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int fds[] = {passed.get()};
    RawConnection refused(content_only.socket_path());
    EXPECT_FALSE(refused.send_with_fds(byte, fds));
    EXPECT_EQ(errno, EPERM) << std::strerror(errno);
    RawConnection accepted(fd_server.socket_path());
    EXPECT_TRUE(accepted.send_with_fds(byte, fds))
        << "an fd-mode socket takes descriptors: " << std::strerror(errno);
}

}  // namespace
}  // namespace bro::test
