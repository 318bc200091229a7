#include "ring/operations.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

class OperationsTest : public ::testing::Test {
  protected:
    template <typename T>
    T run(Task<T> task) {
        return run_within(ring_, std::move(task));
    }

    // Read and Poll as tasks of their own, for result_once_released.
    Task<IoResult> read_into(int fd, std::span<std::uint8_t> buffer) {
        co_return co_await Read(ring_, fd, buffer);
    }
    Task<IoResult> poll_for(int fd, unsigned events) { co_return co_await Poll(ring_, fd, events); }

    // The connection waiting on `listener`, accepted through the ring (-1 after a test failure).
    OwnedFd accept_from(const UnixListener& listener) {
        const IoResult result =
            run([&]() -> Task<IoResult> { co_return co_await Accept(ring_, listener.fd()); }());
        EXPECT_TRUE(result.ok()) << result.error().message();
        return OwnedFd(result.ok() ? result.value() : -1);
    }

    Ring ring_;
};

// Expected vs got, with the error spelled out rather than as a bare number.
::testing::AssertionResult failed_with(const IoResult& result, int expected_errno) {
    if (result.raw() == -expected_errno) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "expected " << std::strerror(expected_errno) << ", got "
           << (result.ok() ? "success " + std::to_string(result.value())
                           : result.error().message());
}

// ---- EINTR ---------------------------------------------------------------------------------

// A NOP whose first `interruptions` submissions complete with `injected` (the kernel's
// IORING_NOP_INJECT_RESULT: nop_flags bit 0, the result in len); later ones with 0.
class InjectedNop final : public SingleShot<InjectedNop> {
  public:
    InjectedNop(Ring& ring, int interruptions, int injected = -EINTR)
        : SingleShot(ring), left_(interruptions), injected_(injected) {}
    void prepare(io_uring_sqe& sqe) override {
        io_uring_prep_nop(&sqe);
        ++submissions;
        if (stop_while_preparing != nullptr) stop_while_preparing->request_stop();
        if (left_ == 0) return;
        --left_;
        sqe.rw_flags = 1;  // nop_flags shares the union: IORING_NOP_INJECT_RESULT
        sqe.len = static_cast<unsigned>(injected_);
    }
    int submissions = 0;
    StopSource* stop_while_preparing = nullptr;

  private:
    int left_;
    int injected_;
};

TEST_F(OperationsTest, AnInterruptedOperationIsSubmittedAgainAndNeverReportsEintr) {
    const IoResult probe =
        run([&]() -> Task<IoResult> { co_return co_await InjectedNop(ring_, 1, -EPERM); }());
    if (probe.raw() != -EPERM) GTEST_SKIP() << "the kernel cannot inject a NOP result";
    int submissions = 0;
    const IoResult result = run([&]() -> Task<IoResult> {
        InjectedNop nop(ring_, 2);
        const IoResult got = co_await nop;
        submissions = nop.submissions;
        co_return got;
    }());
    EXPECT_EQ(result.raw(), 0) << "got " << result.raw();
    EXPECT_EQ(submissions, 3) << "two interruptions, then the real completion";
}

// What a blocked io-wq splice completes with when the server is stopped and continued.
TEST_F(OperationsTest, AnOperationInterruptedWithARestartCodeIsSubmittedAgain) {
    const IoResult probe =
        run([&]() -> Task<IoResult> { co_return co_await InjectedNop(ring_, 1, -EPERM); }());
    if (probe.raw() != -EPERM) GTEST_SKIP() << "the kernel cannot inject a NOP result";
    constexpr int kErestartsys = 512;
    int submissions = 0;
    const IoResult result = run([&]() -> Task<IoResult> {
        InjectedNop nop(ring_, 1, -kErestartsys);
        const IoResult got = co_await nop;
        submissions = nop.submissions;
        co_return got;
    }());
    EXPECT_EQ(result.raw(), 0) << "got " << result.raw();
    EXPECT_EQ(submissions, 2);
}

TEST_F(OperationsTest, AnInterruptedOperationWhoseStopWasRequestedCompletesCancelled) {
    const IoResult probe =
        run([&]() -> Task<IoResult> { co_return co_await InjectedNop(ring_, 1, -EPERM); }());
    if (probe.raw() != -EPERM) GTEST_SKIP() << "the kernel cannot inject a NOP result";
    StopSource stop;
    int submissions = 0;
    const IoResult result = run([&]() -> Task<IoResult> {
        InjectedNop nop(ring_, 1);
        nop.stop_while_preparing = &stop;  // in flight, and stopped, when the EINTR arrives
        const IoResult got = co_await nop.stop_on(stop.token());
        submissions = nop.submissions;
        co_return got;
    }());
    EXPECT_TRUE(result.cancelled()) << "got " << result.raw();
    EXPECT_EQ(submissions, 1) << "a stopped operation was submitted again";
}

// ---- Read ----------------------------------------------------------------------------------

TEST_F(OperationsTest, ReadReturnsTheBytesWrittenToAPipe) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "hello");
    std::array<std::uint8_t, 16> buffer{};
    const IoResult result = run(
        [&]() -> Task<IoResult> { co_return co_await Read(ring_, pipe.read_end.get(), buffer); }());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(text_of(std::span(buffer).first(result.value())), "hello");
}

TEST_F(OperationsTest, ReadWaitsForDataThatArrivesLater) {
    Pipe pipe = make_pipe();
    std::array<std::uint8_t, 16> buffer{};
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return read_into(pipe.read_end.get(), buffer); },
        [&] { write_all(pipe.write_end.get(), "late"); });
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().message();
    EXPECT_EQ(text_of(std::span(buffer).first(result->value())), "late");
}

TEST_F(OperationsTest, ReadReturnsZeroAtEndOfFile) {
    Pipe pipe = make_pipe();
    pipe.write_end.reset();
    std::array<std::uint8_t, 16> buffer{};
    const IoResult result = run(
        [&]() -> Task<IoResult> { co_return co_await Read(ring_, pipe.read_end.get(), buffer); }());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result.value(), 0);
}

TEST_F(OperationsTest, ReadAtAnOffsetReadsThatPartOfAFile) {
    OwnedFd file = make_temp_file();
    write_all(file.get(), "0123456789");
    std::array<std::uint8_t, 4> buffer{};
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Read(ring_, file.get(), buffer, 3); }());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(text_of(std::span(buffer).first(result.value())), "3456");
}

TEST_F(OperationsTest, ReadFromAnEventfdReturnsItsCounter) {
    OwnedFd event(::eventfd(0, EFD_CLOEXEC));
    ASSERT_GE(event.get(), 0) << std::strerror(errno);
    const std::uint64_t increment = 5;
    ASSERT_EQ(::write(event.get(), &increment, sizeof increment), 8);
    std::array<std::uint8_t, 8> buffer{};
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Read(ring_, event.get(), buffer); }());
    ASSERT_EQ(result.raw(), 8) << result.error().message();
    std::uint64_t counter = 0;
    std::memcpy(&counter, buffer.data(), sizeof counter);
    EXPECT_EQ(counter, 5u);
}

// ---- Write ---------------------------------------------------------------------------------

TEST_F(OperationsTest, WriteToAPipeDeliversTheBytes) {
    Pipe pipe = make_pipe();
    const std::vector<std::uint8_t> data = bytes_of("payload");
    const IoResult result = run(
        [&]() -> Task<IoResult> { co_return co_await Write(ring_, pipe.write_end.get(), data); }());
    ASSERT_EQ(result.raw(), 7) << result.error().message();
    EXPECT_EQ(read_exactly(pipe.read_end.get(), 7), "payload");
}

TEST_F(OperationsTest, WriteAtAnOffsetReplacesOnlyThatPartOfAFile) {
    OwnedFd file = make_temp_file();
    write_all(file.get(), "ABCDEFGH");
    const std::vector<std::uint8_t> data = bytes_of("xy");
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Write(ring_, file.get(), data, 3); }());
    ASSERT_EQ(result.raw(), 2) << result.error().message();
    std::array<char, 8> contents{};
    ASSERT_EQ(::pread(file.get(), contents.data(), contents.size(), 0), 8);
    EXPECT_EQ(std::string(contents.data(), contents.size()), "ABCxyFGH");
}

// Unlike Send, Write has no MSG_NOSIGNAL: the kernel raises SIGPIPE for a pipe without a
// reader, so a server must ignore SIGPIPE. With it blocked the write fails with EPIPE.
TEST_F(OperationsTest, WriteToAPipeWithoutReaderFailsWithEpipeWhenSigpipeIsBlocked) {
    sigset_t sigpipe, previous;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &sigpipe, &previous), 0);
    Pipe pipe = make_pipe();
    pipe.read_end.reset();
    const std::vector<std::uint8_t> data = bytes_of("nobody reads this");
    const IoResult result = run(
        [&]() -> Task<IoResult> { co_return co_await Write(ring_, pipe.write_end.get(), data); }());
    const timespec no_wait{};
    while (::sigtimedwait(&sigpipe, nullptr, &no_wait) == SIGPIPE) {
    }  // consume the SIGPIPE the write raised, if it was raised on this thread
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    EXPECT_TRUE(failed_with(result, EPIPE));
}

// ---- Send / Receive ------------------------------------------------------------------------

TEST_F(OperationsTest, SendAndReceiveMoveBytesOverASocketPair) {
    SocketPair pair = make_socket_pair();
    const std::vector<std::uint8_t> data = bytes_of("over the wire");
    std::array<std::uint8_t, 32> buffer{};
    const auto [sent, received] = run([&]() -> Task<std::pair<IoResult, IoResult>> {
        const IoResult s = co_await Send(ring_, pair.first.get(), data);
        const IoResult r = co_await Receive(ring_, pair.second.get(), buffer);
        co_return std::pair{s, r};
    }());
    ASSERT_EQ(sent.raw(), 13) << sent.error().message();
    ASSERT_EQ(received.raw(), 13) << received.error().message();
    EXPECT_EQ(text_of(std::span(buffer).first(13)), "over the wire");
}

TEST_F(OperationsTest, SendToAClosedPeerFailsWithEpipeInsteadOfRaisingSigpipe) {
    struct sigaction current {};
    ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &current), 0);
    ASSERT_EQ(current.sa_handler, SIG_DFL) << "SIGPIPE must be fatal for this test to mean "
                                              "anything";
    SocketPair pair = make_socket_pair();
    pair.second.reset();
    const std::vector<std::uint8_t> data = bytes_of("anyone there?");
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Send(ring_, pair.first.get(), data); }());
    EXPECT_TRUE(failed_with(result, EPIPE));
}

TEST_F(OperationsTest, ReceiveReturnsZeroWhenThePeerCloses) {
    SocketPair pair = make_socket_pair();
    pair.second.reset();
    std::array<std::uint8_t, 8> buffer{};
    const IoResult result = run(
        [&]() -> Task<IoResult> { co_return co_await Receive(ring_, pair.first.get(), buffer); }());
    EXPECT_EQ(result.raw(), 0) << result.error().message();
}

TEST_F(OperationsTest, ReceiveOnAPipeFailsWithEnotsock) {
    Pipe pipe = make_pipe();
    std::array<std::uint8_t, 8> buffer{};
    const IoResult result = run([&]() -> Task<IoResult> {
        co_return co_await Receive(ring_, pipe.read_end.get(), buffer);
    }());
    EXPECT_TRUE(failed_with(result, ENOTSOCK));
}

// ---- SendMessage / ReceiveMessage ----------------------------------------------------------

// A one-byte message carrying `fds` as SCM_RIGHTS, laid out for sendmsg/recvmsg.
class FdMessage {
  public:
    // Room for `capacity` descriptors in the control buffer.
    explicit FdMessage(std::size_t capacity) : control_(CMSG_SPACE(capacity * sizeof(int))) {
        iov_ = {.iov_base = &byte_, .iov_len = 1};
        header_.msg_iov = &iov_;
        header_.msg_iovlen = 1;
        header_.msg_control = control_.data();
        header_.msg_controllen = control_.size();
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;

    void attach(const std::vector<int>& fds) {
        cmsghdr* c = CMSG_FIRSTHDR(&header_);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
        std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
    }
    // The received descriptors, now owned by the caller.
    std::vector<OwnedFd> take_fds() {
        std::vector<OwnedFd> fds;
        for (cmsghdr* c = CMSG_FIRSTHDR(&header_); c; c = CMSG_NXTHDR(&header_, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                fds.emplace_back(fd);
            }
        }
        return fds;
    }
    // Shrinks the control buffer the kernel may fill to exactly `length` bytes.
    void limit_control_to(std::size_t length) { header_.msg_controllen = length; }
    msghdr* header() { return &header_; }

  private:
    char byte_ = 'm';
    iovec iov_{};
    std::vector<std::uint8_t> control_;
    msghdr header_{};
};

TEST_F(OperationsTest, SendMessagePassesAnFdThatReceiveMessageInstalls) {
    SocketPair pair = make_socket_pair();
    Pipe pipe = make_pipe();
    FdMessage outgoing(1), incoming(1);
    outgoing.attach({pipe.write_end.get()});
    const auto [sent, received] = run([&]() -> Task<std::pair<IoResult, IoResult>> {
        const IoResult s = co_await SendMessage(ring_, pair.first.get(), outgoing.header());
        const IoResult r = co_await ReceiveMessage(ring_, pair.second.get(), incoming.header());
        co_return std::pair{s, r};
    }());
    ASSERT_EQ(sent.raw(), 1) << sent.error().message();
    ASSERT_EQ(received.raw(), 1) << received.error().message();
    std::vector<OwnedFd> fds = incoming.take_fds();
    ASSERT_EQ(fds.size(), 1u);
    // The received fd is the same pipe: what goes in through it comes out of our read end.
    write_all(fds[0].get(), "via passed fd");
    EXPECT_EQ(read_exactly(pipe.read_end.get(), 13), "via passed fd");
}

TEST_F(OperationsTest, ReceivedFdHasCloexecSet) {
    SocketPair pair = make_socket_pair();
    Pipe pipe = make_pipe();
    // Send a descriptor without FD_CLOEXEC: the flag on the receiving side must come from
    // MSG_CMSG_CLOEXEC, not from the sender's copy.
    OwnedFd plain(::fcntl(pipe.write_end.get(), F_DUPFD, 0));
    ASSERT_GE(plain.get(), 0);
    ASSERT_FALSE(has_cloexec(plain.get()));
    FdMessage outgoing(1), incoming(1);
    outgoing.attach({plain.get()});
    const IoResult received = run([&]() -> Task<IoResult> {
        co_await SendMessage(ring_, pair.first.get(), outgoing.header());
        co_return co_await ReceiveMessage(ring_, pair.second.get(), incoming.header());
    }());
    ASSERT_EQ(received.raw(), 1) << received.error().message();
    std::vector<OwnedFd> fds = incoming.take_fds();
    ASSERT_EQ(fds.size(), 1u);
    EXPECT_TRUE(has_cloexec(fds[0].get())) << "a received fd would leak into exec'd children";
}

TEST_F(OperationsTest, TooSmallControlBufferIsReportedAsMsgCtrunc) {
    SocketPair pair = make_socket_pair();
    Pipe first = make_pipe(), second = make_pipe();
    FdMessage outgoing(2), incoming(1);
    outgoing.attach({first.write_end.get(), second.write_end.get()});
    // CMSG_SPACE pads to 8 bytes and would hold two ints; CMSG_LEN holds exactly one.
    incoming.limit_control_to(CMSG_LEN(sizeof(int)));
    const IoResult received = run([&]() -> Task<IoResult> {
        co_await SendMessage(ring_, pair.first.get(), outgoing.header());
        co_return co_await ReceiveMessage(ring_, pair.second.get(), incoming.header());
    }());
    ASSERT_EQ(received.raw(), 1) << received.error().message();
    const std::vector<OwnedFd> fds = incoming.take_fds();  // close whatever did fit
    EXPECT_TRUE(incoming.header()->msg_flags & MSG_CTRUNC)
        << "two fds into room for one, msg_flags=" << incoming.header()->msg_flags;
    EXPECT_EQ(fds.size(), 1u) << "the fd that fit should still arrive";
}

TEST_F(OperationsTest, SendMessageToAClosedPeerFailsWithEpipe) {
    SocketPair pair = make_socket_pair();
    pair.second.reset();
    FdMessage outgoing(0);
    outgoing.header()->msg_control = nullptr;
    outgoing.header()->msg_controllen = 0;
    const IoResult result = run([&]() -> Task<IoResult> {
        co_return co_await SendMessage(ring_, pair.first.get(), outgoing.header());
    }());
    EXPECT_TRUE(failed_with(result, EPIPE));
}

// ---- Accept --------------------------------------------------------------------------------

TEST_F(OperationsTest, AcceptReturnsAConnectedSocket) {
    UnixListener listener;
    OwnedFd client = listener.connect();
    const OwnedFd accepted = accept_from(listener);
    ASSERT_GE(accepted.get(), 0);
    write_all(client.get(), "hi");
    EXPECT_EQ(read_exactly(accepted.get(), 2), "hi");
}

TEST_F(OperationsTest, AcceptedSocketHasCloexecSet) {
    UnixListener listener;
    OwnedFd client = listener.connect();
    const OwnedFd accepted = accept_from(listener);
    ASSERT_GE(accepted.get(), 0);
    EXPECT_TRUE(has_cloexec(accepted.get()));
}

TEST_F(OperationsTest, AcceptOnASocketThatIsNotListeningFailsWithEinval) {
    SocketPair pair = make_socket_pair();
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Accept(ring_, pair.first.get()); }());
    EXPECT_TRUE(failed_with(result, EINVAL));
}

// ---- Splice --------------------------------------------------------------------------------

// Splices until `length` bytes moved or the splice fails; returns the total or the failure.
Task<IoResult> splice_all(Ring& ring, int from, int to, unsigned length) {
    unsigned moved = 0;
    while (moved < length) {
        const IoResult r = co_await Splice(ring, from, to, length - moved);
        if (!r.ok() || r.value() == 0) co_return r;
        moved += static_cast<unsigned>(r.value());
    }
    co_return IoResult(static_cast<int>(moved));
}

TEST_F(OperationsTest, SpliceMovesExactlyTheRequestedBytesFromASocketToAPipe) {
    SocketPair pair = make_socket_pair();
    Pipe pipe = make_pipe();
    const std::string head(1000, 'h'), tail(500, 't');
    write_all(pair.second.get(), head + tail);
    const IoResult result = run(splice_all(ring_, pair.first.get(), pipe.write_end.get(), 1000));
    ASSERT_EQ(result.raw(), 1000) << result.error().message();
    EXPECT_EQ(read_exactly(pipe.read_end.get(), 1000), head);
    EXPECT_EQ(read_exactly(pair.first.get(), 500), tail) << "splice took more than it was asked";
}

TEST_F(OperationsTest, SpliceMovesExactlyTheRequestedBytesFromAPipeToAFile) {
    Pipe pipe = make_pipe();
    OwnedFd file = make_temp_file();
    write_all(pipe.write_end.get(), "file content|left in pipe");
    const IoResult result = run(splice_all(ring_, pipe.read_end.get(), file.get(), 12));
    ASSERT_EQ(result.raw(), 12) << result.error().message();
    std::array<char, 64> contents{};
    EXPECT_EQ(::pread(file.get(), contents.data(), contents.size(), 0), 12);
    EXPECT_EQ(std::string(contents.data(), 12), "file content");
    EXPECT_EQ(read_exactly(pipe.read_end.get(), 13), "|left in pipe");
}

// The kernel runs SPLICE on an io-wq worker, where it blocks; a cancellation interrupts the
// worker, and the splice then completes with the kernel-internal -ERESTARTSYS (seen on 6.18)
// unless the ring maps it. A cancel that reaches the request before a worker starts it takes
// the ordinary -ECANCELED path instead, so the attempts vary the delay before cancelling: the
// delay only chooses the path, the expectation holds on both.
TEST_F(OperationsTest, CancelOfABlockedSpliceCompletesItCancelled) {
    constexpr std::array<std::chrono::microseconds, 3> kDelays = {0us, 200us, 2ms};
    for (int attempt = 0; attempt < 60; ++attempt) {
        SocketPair empty = make_socket_pair();
        Pipe pipe = make_pipe();
        Splice* pending = nullptr;
        std::optional<IoResult> result;
        auto splice_from_empty = [&]() -> Task<void> {
            Splice splice(ring_, empty.first.get(), pipe.write_end.get(), 64);
            pending = &splice;
            result = co_await splice;
        };
        ring_.spawn(splice_from_empty());
        const std::chrono::microseconds delay = kDelays[attempt % kDelays.size()];
        auto cancel_after_delay = [&]() -> Task<void> {
            if (delay.count() > 0) co_await Timeout(ring_, delay);
            co_await Cancel(ring_, *pending);
        };
        ring_.spawn(cancel_after_delay());
        ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }))
            << "attempt " << attempt << ": the splice ignored the cancellation";
        EXPECT_TRUE(result->cancelled())
            << "attempt " << attempt << " (delay " << delay.count() << "us): got " << result->raw()
            << " (" << result->error().message() << ")";
    }
}

// ---- Poll ----------------------------------------------------------------------------------

TEST_F(OperationsTest, PollReportsReadableOnceDataArrives) {
    Pipe pipe = make_pipe();
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return poll_for(pipe.read_end.get(), POLLIN); },
        [&] { write_all(pipe.write_end.get(), "x"); });
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().message();
    EXPECT_TRUE(result->value() & POLLIN) << "mask " << result->value();
}

TEST_F(OperationsTest, PollOfAWritableFdCompletesAtOnceWithPollout) {
    Pipe pipe = make_pipe();
    const IoResult result = run([&]() -> Task<IoResult> {
        co_return co_await Poll(ring_, pipe.write_end.get(), POLLOUT);
    }());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_TRUE(result.value() & POLLOUT) << "mask " << result.value();
}

// ---- Timeout -------------------------------------------------------------------------------

TEST_F(OperationsTest, TimeoutExpiresWithTimedOutAfterItsDuration) {
    const auto start = std::chrono::steady_clock::now();
    const IoResult result =
        run([&]() -> Task<IoResult> { co_return co_await Timeout(ring_, 20ms); }());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(result.timed_out()) << "got " << result.raw();
    EXPECT_GE(elapsed, 20ms);
}

TEST_F(OperationsTest, CancelledTimeoutCompletesCancelled) {
    Timeout* pending = nullptr;
    std::optional<IoResult> result;
    auto wait_for_timeout = [&]() -> Task<void> {
        Timeout timeout(ring_, 1h);
        pending = &timeout;
        result = co_await timeout;
    };
    ring_.spawn(wait_for_timeout());
    ASSERT_NE(pending, nullptr);
    ring_.run_once(false);
    ring_.cancel(*pending);
    ASSERT_TRUE(run_until_within(ring_, [&] { return result.has_value(); }));
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

// ---- Cancel --------------------------------------------------------------------------------

TEST_F(OperationsTest, CancelStopsAPendingReadAndReportsSuccess) {
    Pipe pipe = make_pipe();
    Read* pending = nullptr;
    std::optional<IoResult> read_result, cancel_result;
    auto read_until_cancelled = [&]() -> Task<void> {
        std::array<std::uint8_t, 8> buffer{};
        Read read(ring_, pipe.read_end.get(), buffer);
        pending = &read;
        read_result = co_await read;
    };
    ring_.spawn(read_until_cancelled());
    ASSERT_NE(pending, nullptr);
    ring_.run_once(false);
    auto cancel_read = [&]() -> Task<void> { cancel_result = co_await Cancel(ring_, *pending); };
    ring_.spawn(cancel_read());
    ASSERT_TRUE(run_until_within(
        ring_, [&] { return read_result.has_value() && cancel_result.has_value(); }));
    EXPECT_TRUE(read_result->cancelled()) << "read got " << read_result->raw();
    EXPECT_EQ(cancel_result->raw(), 0) << cancel_result->error().message();
}

TEST_F(OperationsTest, CancelOfAnOperationThatAlreadyCompletedFailsWithEnoent) {
    Pipe pipe = make_pipe();
    write_all(pipe.write_end.get(), "ready");
    const auto [read_result, cancel_result] = run([&]() -> Task<std::pair<IoResult, IoResult>> {
        std::array<std::uint8_t, 8> buffer{};
        Read read(ring_, pipe.read_end.get(), buffer);
        const IoResult r = co_await read;
        const IoResult c = co_await Cancel(ring_, read);
        co_return std::pair{r, c};
    }());
    ASSERT_EQ(read_result.raw(), 5);
    EXPECT_TRUE(failed_with(cancel_result, ENOENT));
}

// ---- Every operation on a closed fd -------------------------------------------------------

// An operation on a descriptor that is closed, given a buffer for its data. What else it needs
// it makes before it asks for closed_fd(), so that number cannot name one of its own.
struct ClosedFdCase {
    std::string name;  // the row's name, the last part of the test's name
    std::function<Task<IoResult>(Ring&, std::span<std::uint8_t> buffer)> operation;
    bool needs_waitid = false;
};

void PrintTo(const ClosedFdCase& row, std::ostream* out) {
    *out << row.name;
}

using Buffer = std::span<std::uint8_t>;

std::vector<ClosedFdCase> closed_fd_cases() {
    return {
        {"Read",
         [](Ring& ring, Buffer b) -> Task<IoResult> {
             co_return co_await Read(ring, closed_fd(), b);
         }},
        {"Write",
         [](Ring& ring, Buffer b) -> Task<IoResult> {
             co_return co_await Write(ring, closed_fd(), b);
         }},
        {"Receive",
         [](Ring& ring, Buffer b) -> Task<IoResult> {
             co_return co_await Receive(ring, closed_fd(), b);
         }},
        {"ReceiveMessage",
         [](Ring& ring, Buffer) -> Task<IoResult> {
             FdMessage incoming(1);
             co_return co_await ReceiveMessage(ring, closed_fd(), incoming.header());
         }},
        {"Splice",
         [](Ring& ring, Buffer) -> Task<IoResult> {
             Pipe pipe = make_pipe();
             co_return co_await Splice(ring, closed_fd(), pipe.write_end.get(), 16);
         }},
        {"Poll",
         [](Ring& ring, Buffer) -> Task<IoResult> {
             co_return co_await Poll(ring, closed_fd(), POLLIN);
         }},
        {"WaitId",
         [](Ring& ring, Buffer) -> Task<IoResult> {
             siginfo_t info{};
             co_return co_await WaitId(ring, closed_fd(), &info);
         },
         true},
    };
}

class AnOperationOnAClosedFd : public ::testing::TestWithParam<ClosedFdCase> {
  protected:
    Ring ring_;
    std::array<std::uint8_t, 16> buffer_{};
};

TEST_P(AnOperationOnAClosedFd, FailsWithEbadf) {
    if (GetParam().needs_waitid && !ring_.features().waitid) {
        GTEST_SKIP() << "IORING_OP_WAITID needs kernel 6.7";
    }
    EXPECT_TRUE(failed_with(run_within(ring_, GetParam().operation(ring_, buffer_)), EBADF));
}

INSTANTIATE_TEST_SUITE_P(Operations, AnOperationOnAClosedFd, ::testing::ValuesIn(closed_fd_cases()),
                         [](const ::testing::TestParamInfo<ClosedFdCase>& info) {
                             return info.param.name;
                         });

}  // namespace
}  // namespace bro::ring
