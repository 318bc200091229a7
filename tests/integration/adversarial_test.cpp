// A hostile or broken client speaking the wire protocol by hand: cut frames, huge lengths,
// wrong versions, descriptors nobody asked for, disconnects at every step, a client too slow
// to finish its request. After each, the server must still serve the next client, and its
// descriptors and children must return to where they were.

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bro_fixture.hpp"
#include "core/unique_fd.hpp"
#include "raw_connection.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;
using protocol::FrameType;

class Adversarial : public ::testing::Test {
  protected:
    // A request for the server's program with these arguments, stdin streamed or not, and
    // file arguments (argument_index, basename) taken whole.
    static Bytes request(std::vector<std::string_view> arguments, bool streamed_stdin,
                         std::vector<protocol::FileArgumentView> files = {},
                         protocol::TransferMode mode = protocol::TransferMode::kContent) {
        protocol::RequestView view;
        view.mode = mode;
        view.cwd = "/";
        view.arguments = arguments;
        view.files = files;
        view.stdin_mode =
            streamed_stdin ? protocol::StdinMode::kStreamed : protocol::StdinMode::kNone;
        return request_frame(view);
    }

    // The server answers a plain request with exit status 0 (its program must exit 0 when
    // called without arguments and stdin).
    static void expect_serves(const BroServer& server, const std::string& after) {
        const Reply reply = send_and_read_reply(server.socket_path(), request({}, false));
        EXPECT_EQ(reply.exit_code(), std::optional<int>(0))
            << "after " << after << ": error '" << reply.error() << "'\n"
            << server.log();
    }

    // No child left and the descriptors back at `baseline`, each within a bounded wait.
    // /dev/null, closed on every way out of the test, failed ASSERTs included.
    static UniqueFd open_null() { return UniqueFd(open("/dev/null", O_RDWR | O_CLOEXEC)); }

    // One fd-mode call that must succeed (exit 0) before a baseline is taken, so the server
    // has set up whatever it keeps.
    static void warm_up_fd_mode(const BroServer& server, const Bytes& frame,
                                std::span<const int> fds) {
        RawConnection warm(server.socket_path());
        ASSERT_TRUE(warm.send_with_fds(frame, fds));
        ASSERT_EQ(warm.read_reply().exit_code(), std::optional<int>(0));
    }

    static void expect_back_to_baseline(const BroServer& server, int baseline) {
        EXPECT_TRUE(eventually([&] { return child_count(server.pid()) == 0; }, 15s))
            << child_count(server.pid()) << " children left\n"
            << server.log();
        EXPECT_TRUE(fd_count_returns_to(server.pid(), baseline));
    }

    static Bytes sent_with_request(Bytes frame, FrameType type, std::string_view payload) {
        append_frame(frame, type, payload);
        return frame;
    }

    TempDir dir;
};

TEST_F(Adversarial, AnExchangeCutAtEveryByteLeavesTheServerServingAndNothingBehind) {
    BroServer server(dir, "/bin/cat");
    const std::vector<protocol::FileArgumentView> files = {{0, 0, "input.txt", protocol::kOwnFile}};
    Bytes full = request({"input.txt", "-"}, true, files);
    append_frame(full, FrameType::kFileData, "file\n");
    append_frame(full, FrameType::kFileEnd);
    append_frame(full, FrameType::kStdinData, "stdin\n");
    append_frame(full, FrameType::kStdinEnd);
    const Reply whole = send_and_read_reply(server.socket_path(), full);
    ASSERT_EQ(whole.exit_code(), std::optional<int>(0)) << whole.error();
    ASSERT_EQ(whole.out(), "file\nstdin\n");
    const int baseline = settled_fd_count(server.pid());

    for (std::size_t cut = 0; cut < full.size(); ++cut) {
        {
            RawConnection connection(server.socket_path());
            ASSERT_TRUE(connection.send(std::span(full).first(cut)));
        }
        const Reply next = send_and_read_reply(server.socket_path(), full);
        ASSERT_EQ(next.out(), "file\nstdin\n")
            << "after a cut at byte " << cut << " of " << full.size() << ": " << next.error();
    }
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, AnFdModeRequestCutAtEveryByteLeavesNothingBehind) {
    BroServer server(dir, "/bin/true", {"--fd-passing"});
    const Bytes full = request({"quick"}, false, {}, protocol::TransferMode::kFdPassing);
    const UniqueFd null = open_null();
    const int standard[] = {null.get(), null.get(), null.get()};
    ASSERT_NO_FATAL_FAILURE(warm_up_fd_mode(server, full, standard));
    const int baseline = settled_fd_count(server.pid());
    for (std::size_t cut = 1; cut < full.size(); ++cut) {
        RawConnection connection(server.socket_path());
        ASSERT_TRUE(connection.send_with_fds(std::span(full).first(cut), standard));
    }
    RawConnection whole(server.socket_path());
    ASSERT_TRUE(whole.send_with_fds(full, standard));
    EXPECT_EQ(whole.read_reply().exit_code(), std::optional<int>(0));
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, HugeDeclaredLengthsAreRefusedWithAnErrorFrame) {
    BroServer server(dir, "/bin/cat");
    const Bytes valid = request({"quick"}, false);
    const std::size_t payload = protocol::kFrameHeaderBytes;
    const std::size_t cwd_length = payload + 9;   // after magic, version, modes, umask, flags
    const std::size_t argc = cwd_length + 4 + 1;  // after cwd "/"
    struct Case {
        const char* what;
        Bytes bytes;
        const char* expected;
    };
    std::vector<Case> cases;
    cases.push_back({"a 4 GiB Request frame", {0x01, 0xff, 0xff, 0xff, 0xff}, "limit 1048576"});
    Bytes huge_cwd = valid;
    std::fill_n(huge_cwd.begin() + cwd_length, 4, 0xff);
    cases.push_back({"a 4 GiB working directory", huge_cwd, "malformed working directory"});
    Bytes huge_argc = valid;
    std::fill_n(huge_argc.begin() + argc, 4, 0xff);
    cases.push_back({"4 billion arguments", huge_argc, "too many arguments: 4294967295"});
    const std::vector<protocol::FileArgumentView> files = {{0, 0, "f", protocol::kOwnFile}};
    Bytes huge_file = request({"f"}, false, files);
    const Bytes huge_data_header = {0x02, 0xff, 0xff, 0xff, 0xff};
    huge_file.insert(huge_file.end(), huge_data_header.begin(), huge_data_header.end());
    cases.push_back({"a 4 GiB FileData frame", huge_file, "frame of type 2 is 4294967295 bytes"});

    for (const auto& c : cases) {
        const Reply reply = send_and_read_reply(server.socket_path(), c.bytes);
        EXPECT_NE(reply.error().find(c.expected), std::string::npos)
            << c.what << ": got '" << reply.error() << "'";
        EXPECT_TRUE(reply.closed) << c.what;
        expect_serves(server, c.what);
    }
}

// A header may announce up to --max-request-bytes; memory must follow what actually arrives,
// or idle connections that announce 1 MiB and send nothing hold 1 MiB each.
TEST_F(Adversarial, ConnectionsThatAnnounceLargeRequestsHoldOnlyWhatTheySent) {
    BroServer server(dir, "/bin/true");
    expect_serves(server, "start");
    const long before = status_kib(server.pid(), "VmRSS");
    constexpr int kConnections = 200;
    const Bytes announced = {0x01, 0x00, 0x10, 0x00, 0x00, 'B', 'R', 'O', 0x01};  // 1 MiB
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < kConnections; ++i) {
        idle.push_back(std::make_unique<RawConnection>(server.socket_path()));
        ASSERT_TRUE(idle.back()->send(announced));
    }
    // One exchange through the same ring after them: their headers have been read by now.
    expect_serves(server, "200 idle connections");
    const long grown_kib = status_kib(server.pid(), "VmRSS") - before;
    EXPECT_LT(grown_kib, 50 * 1024) << kConnections << " connections announcing 1 MiB each";
}

TEST_F(Adversarial, AHugeStdinFrameWhileTheProgramRunsEndsOnlyThatSession) {
    BroServer server(dir, "/bin/cat");
    const int baseline = settled_fd_count(server.pid());
    Bytes bytes = request({}, true);
    const Bytes huge_stdin_header = {0x04, 0x7f, 0xff, 0xff, 0xff};
    bytes.insert(bytes.end(), huge_stdin_header.begin(), huge_stdin_header.end());
    const Reply reply = send_and_read_reply(server.socket_path(), bytes);
    EXPECT_TRUE(reply.closed);
    EXPECT_FALSE(reply.exit_code().has_value()) << "a session with a protocol error has no exit";
    EXPECT_NE(server.log().find("frame of type 4 is 2147483647 bytes"), std::string::npos)
        << server.log();
    expect_serves(server, "a 2 GiB StdinData frame");
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, AnEmptySignalFrameIsAProtocolErrorNotAStaleByte) {
    BroServer server(dir, "/bin/cat");
    const int baseline = settled_fd_count(server.pid());
    RawConnection connection(server.socket_path());
    ASSERT_TRUE(connection.send(request({}, true)));
    ASSERT_TRUE(eventually([&] { return child_count(server.pid()) == 1; }, 10s));
    Bytes frames;
    append_frame(frames, FrameType::kStdinData, "\x0f");  // 15: SIGTERM, were it read as one
    append_frame(frames, FrameType::kSignal);
    ASSERT_TRUE(connection.send(frames));
    const Reply reply = connection.read_reply();
    EXPECT_TRUE(reply.closed);
    EXPECT_FALSE(reply.exit_code().has_value());
    EXPECT_NE(server.log().find("protocol error: a Signal frame holds one byte"), std::string::npos)
        << server.log();
    expect_serves(server, "an empty Signal frame");
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, WrongMagicVersionOrFirstFrameGetsAClearError) {
    BroServer server(dir, "/bin/true");
    const Bytes valid = request({"quick"}, false);
    const std::size_t magic = protocol::kFrameHeaderBytes;
    Bytes version_2 = valid;
    version_2[magic + 3] = 2;
    Bytes version_0 = valid;
    version_0[magic + 3] = 0;
    Bytes bad_magic = valid;
    bad_magic[magic + 2] = 'X';
    const std::vector<std::pair<Bytes, std::string>> cases = {
        {version_2, "protocol version 2 is not supported"},
        {version_0, "protocol version 0 is not supported"},
        {bad_magic, "bad magic"},
        {{0x7f, 0, 0, 0, 0}, "unknown frame type 127"},
        {{0x04, 0, 0, 0, 1, 'x'}, "expected a Request frame first, got StdinData"},
        {{0x83, 0, 0, 0, 0}, "expected a Request frame first"},
        {{0x01, 0, 0, 0, 3, 'B', 'R', 'O'}, "truncated request"},
    };
    for (const auto& [bytes, expected] : cases) {
        const Reply reply = send_and_read_reply(server.socket_path(), bytes);
        EXPECT_NE(reply.error().find(expected), std::string::npos)
            << "expected '" << expected << "', got '" << reply.error() << "'";
        EXPECT_EQ(reply.frames.size(), 1u);
        expect_serves(server, expected);
    }
}

TEST_F(Adversarial, DescriptorsSentToAContentServerAreClosedWhereverTheyArrive) {
    // A content-only socket refuses descriptors in the kernel (Linux 6.16, FdPassing tests);
    // one that takes both modes must still close those a content-mode request brings.
    BroServer server(dir, "/bin/cat", {"--transfer-modes", "content,fd"});
    ASSERT_EQ(send_and_read_reply(server.socket_path(), request({}, false)).exit_code(),
              std::optional<int>(0));
    const int baseline = settled_fd_count(server.pid());
    std::vector<UniqueFd> nulls;
    std::vector<int> fds;
    for (int i = 0; i < 5; ++i) fds.push_back(nulls.emplace_back(open_null()).get());
    for (int round = 0; round < 20; ++round) {
        // With the request: refused, every descriptor closed.
        RawConnection refused(server.socket_path());
        ASSERT_TRUE(refused.send_with_fds(request({}, false), fds));
        EXPECT_NE(refused.read_reply().error().find("descriptors"), std::string::npos);
        // With stdin data once the program runs: the server reads those without taking
        // descriptors, so the kernel drops them; the run goes on. (Sent earlier, they could
        // arrive in the same receive as the request, and be refused with it.)
        RawConnection run(server.socket_path());
        ASSERT_TRUE(run.send(request({}, true)));
        ASSERT_TRUE(eventually([&] { return child_count(server.pid()) == 1; }, 10s));
        Bytes data;
        append_frame(data, FrameType::kStdinData, "abc");
        ASSERT_TRUE(run.send_with_fds(data, fds));
        Bytes end;
        append_frame(end, FrameType::kStdinEnd);
        ASSERT_TRUE(run.send_with_fds(end, fds));
        const Reply reply = run.read_reply();
        EXPECT_EQ(reply.out(), "abc");
        EXPECT_EQ(reply.exit_code(), std::optional<int>(0)) << reply.error();
    }
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, TooManyDescriptorsAreRefusedAndEveryOneClosed) {
    BroServer server(dir, "/bin/true", {"--fd-passing"});
    const Bytes valid = request({"quick"}, false, {}, protocol::TransferMode::kFdPassing);
    const UniqueFd null = open_null();
    const std::vector<int> three(3, null.get());
    // SCM_MAX_FD: all one sendmsg takes
    const std::vector<int> most(kMaxFdsPerMessage, null.get());
    ASSERT_NO_FATAL_FAILURE(warm_up_fd_mode(server, valid, three));
    const int baseline = settled_fd_count(server.pid());
    for (int round = 0; round < 5; ++round) {
        RawConnection one_message(server.socket_path());
        ASSERT_TRUE(one_message.send_with_fds(valid, most));
        EXPECT_NE(
            one_message.read_reply().error().find("carries 253 descriptors, its mode needs 3"),
            std::string::npos);
        // The request in two messages of 253 each: more than one request may carry.
        RawConnection two_messages(server.socket_path());
        const std::size_t half = valid.size() / 2;
        ASSERT_TRUE(two_messages.send_with_fds(std::span(valid).first(half), most));
        ASSERT_TRUE(two_messages.send_with_fds(std::span(valid).subspan(half), most));
        EXPECT_NE(two_messages.read_reply().error().find("more than 253 descriptors"),
                  std::string::npos);
    }
    expect_back_to_baseline(server, baseline);
    RawConnection after(server.socket_path());
    ASSERT_TRUE(after.send_with_fds(valid, three));
    EXPECT_EQ(after.read_reply().exit_code(), std::optional<int>(0));
}

// The program: without arguments it exits at once; with any, it reads stdin to its end, then
// sleeps, so a disconnect can land before it starts, while it reads and while it runs.
class Disconnect : public Adversarial {
  protected:
    std::string program() {
        return dir.write_script("slow", "[ $# -eq 0 ] && exit 0\ncat >/dev/null\nexec sleep 30");
    }
    // Sends `bytes`, waits (bounded) until the server runs `children` children, then vanishes.
    static void send_and_vanish(const BroServer& server, const Bytes& bytes, int children,
                                const std::string& step) {
        RawConnection connection(server.socket_path());
        ASSERT_TRUE(connection.send(bytes)) << step;
        ASSERT_TRUE(eventually([&] { return child_count(server.pid()) == children; }, 10s))
            << step << ": " << child_count(server.pid()) << " children, expected " << children;
    }
};

TEST_F(Disconnect, AtEveryStepOfAContentExchangeTheChildIsKilledAndReaped) {
    BroServer server(dir, program());
    expect_serves(server, "start");
    const int baseline = settled_fd_count(server.pid());
    const std::vector<protocol::FileArgumentView> files = {{0, 0, "f", protocol::kOwnFile}};
    const Bytes with_file = request({"f"}, true, files);
    Bytes mid_file = with_file;
    const Bytes file_header = {0x02, 0, 0, 0x03, 0xe8};  // 1000 bytes announced
    mid_file.insert(mid_file.end(), file_header.begin(), file_header.end());
    mid_file.insert(mid_file.end(), 10, 'x');
    Bytes files_sent = with_file;
    append_frame(files_sent, FrameType::kFileData, "content");
    append_frame(files_sent, FrameType::kFileEnd);
    Bytes mid_stdin = files_sent;
    const Bytes stdin_header = {0x04, 0, 0, 0, 100};
    mid_stdin.insert(mid_stdin.end(), stdin_header.begin(), stdin_header.end());
    mid_stdin.insert(mid_stdin.end(), 5, 'y');
    Bytes running = files_sent;
    append_frame(running, FrameType::kStdinEnd);

    send_and_vanish(server, with_file, 0, "after the request");
    send_and_vanish(server, mid_file, 0, "in the middle of a file");
    send_and_vanish(server, files_sent, 1, "after the files, before stdin");
    expect_back_to_baseline(server, baseline);
    send_and_vanish(server, mid_stdin, 1, "in the middle of stdin");
    expect_back_to_baseline(server, baseline);
    send_and_vanish(server, running, 1, "while the program runs");
    expect_back_to_baseline(server, baseline);
    expect_serves(server, "every disconnect");
}

TEST_F(Disconnect, WhileAnFdModeProgramRunsTheChildIsKilledAndReaped) {
    BroServer server(dir, program(), {"--fd-passing"});
    const UniqueFd null = open_null();
    const int standard[] = {null.get(), null.get(), null.get()};
    const Bytes quick = request({}, false, {}, protocol::TransferMode::kFdPassing);
    ASSERT_NO_FATAL_FAILURE(warm_up_fd_mode(server, quick, standard));
    const int baseline = settled_fd_count(server.pid());
    {
        RawConnection connection(server.socket_path());
        ASSERT_TRUE(connection.send_with_fds(
            request({"run"}, false, {}, protocol::TransferMode::kFdPassing), standard));
        ASSERT_TRUE(eventually([&] { return child_count(server.pid()) == 1; }, 10s));
    }
    expect_back_to_baseline(server, baseline);
}

TEST_F(Adversarial, AClientSendingOneBytePerSecondIsCutOffAtTheRequestTimeout) {
    BroServer server(dir, "/bin/true", {"--request-timeout", "2"});
    const Bytes bytes = request({"quick"}, false);
    const auto started = std::chrono::steady_clock::now();  // the server's clock starts at accept
    RawConnection slow(server.socket_path());
    std::size_t sent = 0;
    bool closed = false;
    while (!closed && sent < bytes.size()) {
        if (!slow.send(std::span(bytes).subspan(sent, 1))) break;
        ++sent;
        closed = slow.closed_by_server_within(1s);  // also paces the client: a byte a second
    }
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(sent, bytes.size()) << "the whole request got through";
    EXPECT_GE(took, 1900ms);
    EXPECT_LT(took, 6s);
    EXPECT_NE(server.log().find("no complete request within 2000 ms"), std::string::npos)
        << server.log();
    expect_serves(server, "a slow client");
}

TEST_F(Adversarial, TenThousandSessionsLeaveDescriptorsAndChildrenAtBaseline) {
    BroServer server(dir, "/bin/true");
    const Bytes bytes = request({}, false);
    ASSERT_EQ(send_and_read_reply(server.socket_path(), bytes).exit_code(), std::optional<int>(0));
    const int fds = settled_fd_count(server.pid());
    ASSERT_EQ(child_count(server.pid()), 0);
    constexpr int kThreads = 4;
    constexpr int kSessionsPerThread = 2500;
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
        clients.emplace_back([&] {
            for (int i = 0; i < kSessionsPerThread; ++i) {
                const Reply reply = send_and_read_reply(server.socket_path(), bytes, 30s);
                if (reply.exit_code() != std::optional<int>(0)) ++failures;
            }
        });
    }
    for (auto& client : clients) client.join();
    EXPECT_EQ(failures.load(), 0);
    expect_back_to_baseline(server, fds);
}

}  // namespace
}  // namespace bro::test
