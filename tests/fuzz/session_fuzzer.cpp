// libFuzzer target: the server's session state machine (server/session.cpp) fed by a client
// that sends arbitrary bytes. Each input runs one real Session on a real ring, on one end of
// a socket pair, with a real child process (fuzz_child: copies stdin to stdout or stderr, or
// exits early, or kills itself, by its argument count; it never reads what the arguments say,
// so no input can make it touch files or run long).
//
// Input: byte 0 configures the server and the connection, the rest is what the client sends,
// all at once, before it shuts down its sending side (so every input ends in a client that
// stops talking; a half-sent request, a run whose client vanished, ...):
//   bits 0-1  modes the server accepts: 0 content, 1 fd passing, 2 or 3 both
//   bits 2-4  descriptors (/dev/null) sent with the bytes, as SCM_RIGHTS
//   bit 5     --cwd caller-strict instead of caller
//
// Invariants checked after every input, beyond "no crash, no sanitizer report":
// - the session finishes within a bound (kSessionLimit);
// - no descriptor is left open (/proc/self/fd counts the same as before);
// - no child is left: waitpid(-1, WNOHANG) finds none;
// - the session's private directory is gone (the fuzzer's --tmpdir is empty again, once the
//   directory remover's thread is idle);
// - what the server sent is well-formed: complete server-to-client frames, and at most one
//   frame that ends the exchange (Exit, Error or ModeRejected), as the last one; a first
//   ModeRejected may be followed by RetryHere, and then by one more such exchange.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/env_policy.hpp"
#include "core/reply_decoding.hpp"
#include "ring/operations.hpp"
#include "ring/ring.hpp"
#include "server/admission.hpp"
#include "server/cwd_resolution.hpp"
#include "server/directory_remover.hpp"
#include "server/peer_credentials.hpp"
#include "server/server_config.hpp"
#include "server/session.hpp"
#include "server/spawner.hpp"
#include "tests/ring/bounded_run.hpp"

namespace {

using namespace bro;
using namespace std::chrono_literals;

// Far above what any input needs (the run timeout is 2 s); only a hang reaches it.
constexpr auto kSessionLimit = 20s;
// The client's bytes are written into the socket before the session runs, so they must fit
// its buffer (about 200 KiB); tools/fuzz passes -max_len below this.
constexpr std::size_t kMaxClientBytes = 128 << 10;
constexpr std::size_t kMaxAttachedFds = 7;

[[noreturn]] void fail(const std::string& invariant) {
    std::fprintf(stderr, "session_fuzzer: invariant broken: %s\n", invariant.c_str());
    std::abort();
}

int count_entries(const char* directory) {
    DIR* dir = opendir(directory);
    if (dir == nullptr) fail(std::string("opendir ") + directory + ": " + std::strerror(errno));
    int count = 0;
    while (const dirent* entry = readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++count;
    }
    closedir(dir);
    return count;
}

// What lives across inputs: one ring, one spawner, one private --tmpdir, as in one server.
struct Harness {
    Harness() {
        signal(SIGPIPE, SIG_IGN);  // as Server does: a vanished peer must give EPIPE
        spdlog::set_level(spdlog::level::off);
        // Under $TMPDIR when set: libFuzzer may end the process without running destructors,
        // so tools/fuzz points it at a scratch directory it removes itself.
        const char* parent = std::getenv("TMPDIR");
        std::string pattern =
            std::string(parent != nullptr ? parent : "/tmp") + "/bro-session-fuzzer-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp " + pattern);
        tmpdir = pattern;
        base.executable = BRO_FUZZ_CHILD;
        base.tmpdir = tmpdir;
        base.kill_grace = 20ms;
        base.run_timeout = 2s;
        base.drain_timeout = 200ms;
        base.request_timeout = 2s;
    }
    ~Harness() { rmdir(tmpdir.c_str()); }

    ring::Ring ring;
    server::Spawner spawner;
    EnvPolicy env_policy{{"FUZZ_FORWARDED"}, {}};
    server::DescriptorBudget descriptors;
    server::Admission admission{server::AdmissionRules{}, descriptors};
    server::DirectoryRemover remover;
    server::CwdResolver cwd_resolver{ring, std::chrono::seconds(2)};
    std::unordered_set<server::Session*> live_sessions;
    std::string tmpdir;
    server::ServerConfig base;
    std::uint64_t next_id = 1;
};

ring::Task<void> run_session(server::SessionContext& context, server::Admission& admission,
                             UniqueFd socket, std::uint64_t id, bool& finished) {
    {
        // As the server does on accept: the peer is this process, admitted by empty rules.
        server::PeerCredentials peer = server::read_peer_credentials(socket.get(), false);
        if (admission.admit(peer)) fail("the default admission rules refused the fuzzer");
        server::AdmissionSlot slot(admission, peer.uid);
        server::Session session(context, std::move(socket), id, std::move(peer), std::move(slot));
        co_await session.run();
    }
    finished = true;
}

server::ServerConfig configure(const server::ServerConfig& base, std::uint8_t bits) {
    server::ServerConfig config = base;
    const int modes = bits & 3;
    config.accept_content = modes != 1;
    config.accept_fd_passing = modes != 0;
    config.cwd_policy =
        (bits & 0x20) ? server::CwdPolicy::kCallerStrict : server::CwdPolicy::kCaller;
    return config;
}

// Sends the client's bytes in one sendmsg, with `fd_count` descriptors of /dev/null.
void send_client_bytes(int socket, std::span<const std::uint8_t> bytes, std::size_t fd_count) {
    std::vector<int> fds;
    if (!bytes.empty()) {
        for (std::size_t i = 0; i < fd_count; ++i)
            fds.push_back(open("/dev/null", O_RDWR | O_CLOEXEC));
    }
    std::vector<std::uint8_t> control(CMSG_SPACE(kMaxAttachedFds * sizeof(int)));
    iovec io{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    if (!fds.empty()) {
        message.msg_control = control.data();
        message.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
        std::memcpy(CMSG_DATA(header), fds.data(), fds.size() * sizeof(int));
    }
    if (!bytes.empty() &&
        sendmsg(socket, &message, MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
        fail(std::string("sendmsg of the client's bytes: ") + std::strerror(errno));
    }
    for (const int fd : fds) close(fd);
    shutdown(socket, SHUT_WR);
}

std::vector<std::uint8_t> read_reply(int socket) {
    std::vector<std::uint8_t> reply;
    std::uint8_t buffer[64 << 10];
    for (;;) {
        const ssize_t n = recv(socket, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) break;  // the session closed its end: all it sent is here
        reply.insert(reply.end(), buffer, buffer + n);
    }
    return reply;
}

bool ends_exchange(protocol::FrameType type) {
    return type == protocol::FrameType::kExit || type == protocol::FrameType::kError ||
           type == protocol::FrameType::kModeRejected;
}

void check_reply(std::span<const std::uint8_t> reply, const ProtocolLimits& limits) {
    bool ended = false;
    bool rejected = false;       // the last frame was a ModeRejected
    bool retry_offered = false;  // a ModeRejected followed by RetryHere: one more exchange
    while (!reply.empty()) {
        const auto decoded = protocol::decode_frame_header(reply, limits);
        const auto* header = std::get_if<protocol::FrameHeader>(&decoded);
        if (header == nullptr) fail("the server sent a malformed frame header");
        const bool retry = header->type == protocol::FrameType::kRetryHere;
        if (retry && (!rejected || retry_offered)) {
            fail("RetryHere may only follow the first ModeRejected, at once");
        }
        if (ended && !retry) fail("the server sent a frame after the one that ends the exchange");
        if (static_cast<std::uint8_t>(header->type) < 0x80) fail("the server sent a client frame");
        if (reply.size() - protocol::kFrameHeaderBytes < header->length) {
            fail("the server's last frame is incomplete");
        }
        const auto payload = reply.subspan(protocol::kFrameHeaderBytes, header->length);
        bool malformed = false;
        if (header->type == protocol::FrameType::kExit) {
            malformed = std::holds_alternative<protocol::MalformedReply>(
                protocol::decode_exit(payload, limits));
        } else if (header->type == protocol::FrameType::kError) {
            malformed = std::holds_alternative<protocol::MalformedReply>(
                protocol::decode_error(payload, limits));
        } else if (header->type == protocol::FrameType::kModeRejected) {
            malformed = std::holds_alternative<protocol::MalformedReply>(
                protocol::decode_mode_rejected(payload));
        }
        if (malformed) fail("the server sent a malformed final frame");
        rejected = header->type == protocol::FrameType::kModeRejected;
        if (retry) {
            retry_offered = true;
            ended = false;
        } else {
            ended = ends_exchange(header->type);
        }
        reply = reply.subspan(protocol::kFrameHeaderBytes + header->length);
    }
}

// The children still running, as "PID (name) STATE ..." lines from /proc/PID/stat, leaving
// out llvm-symbolizer: libFuzzer starts it to print new functions and keeps it running.
std::vector<std::string> running_children() {
    std::vector<std::string> children;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/children", gettid());
    FILE* list = std::fopen(path, "r");
    if (list == nullptr) fail(std::string("fopen ") + path + ": " + std::strerror(errno));
    int pid = 0;
    while (std::fscanf(list, "%d", &pid) == 1) {
        std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
        char stat[128] = "";
        if (FILE* file = std::fopen(path, "r")) {
            (void)!std::fgets(stat, sizeof stat, file);
            std::fclose(file);
        }
        if (std::strstr(stat, "(llvm-symbolizer)") == nullptr) children.emplace_back(stat);
    }
    std::fclose(list);
    return children;
}

void check_no_child_left() {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) fail("a child was left for the caller to reap: pid " + std::to_string(pid));
    std::string left;
    for (const auto& child : running_children()) left += " [" + child + "]";
    if (!left.empty()) fail("a child is still running after its session ended:" + left);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness harness;
    if (size == 0 || size - 1 > kMaxClientBytes) return -1;  // -1: not added to the corpus
    const server::ServerConfig config = configure(harness.base, data[0]);
    const int fds_before = count_entries("/proc/self/fd");

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) fail("socketpair");
    // The server's end is nonblocking, as the server accepts it (SOCK_NONBLOCK).
    if (fcntl(pair[1], F_SETFL, O_NONBLOCK) != 0) fail("fcntl O_NONBLOCK");
    UniqueFd client(pair[0]);
    send_client_bytes(client.get(), std::span(data + 1, size - 1), (data[0] >> 2) & 7);

    server::SessionContext context{
        harness.ring,          config,          harness.env_policy,   harness.spawner,
        harness.live_sessions, harness.remover, harness.cwd_resolver, nullptr};
    bool finished = false;
    harness.ring.spawn(
        run_session(context, harness.admission, UniqueFd(pair[1]), harness.next_id++, finished));
    if (!ring::run_until_within(
            harness.ring, [&] { return finished; }, kSessionLimit)) {
        fail("the session did not finish within its bound");
    }

    check_reply(read_reply(client.get()), config.limits);
    client.reset();
    harness.remover.wait_until_idle();  // session directories go on a thread of their own
    const int fds_after = count_entries("/proc/self/fd");
    if (fds_after != fds_before) {
        fail("descriptors leaked: " + std::to_string(fds_before) + " before, " +
             std::to_string(fds_after) + " after");
    }
    check_no_child_left();
    if (count_entries(harness.tmpdir.c_str()) != 0) fail("a session directory was left behind");
    return 0;
}
