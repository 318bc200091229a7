#include "ring/nonblocking_splice.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

void make_nonblocking(int fd) {
    ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0) << std::strerror(errno);
}

// Fills a nonblocking socket until it takes no more; returns how much went in.
std::size_t fill_socket(int fd) {
    const std::vector<char> chunk(64 << 10, 'f');
    std::size_t total = 0;
    for (;;) {
        const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
        if (n <= 0) return total;
        total += static_cast<std::size_t>(n);
    }
}

class NonblockingSpliceTest : public ::testing::Test {
  protected:
    NonblockingSpliceTest() {
        make_nonblocking(sockets_.first.get());
        make_nonblocking(sockets_.second.get());
    }

    Task<IoResult> splice_task(int in, int out, std::size_t length, StopToken stop = {}) {
        co_return co_await splice_some(ring_, in, out, length, stop);
    }

    Ring ring_;
    Pipe pipe_ = make_pipe();
    SocketPair sockets_ = make_socket_pair();
};

TEST_F(NonblockingSpliceTest, MovesBytesFromAPipeIntoASocket) {
    write_all(pipe_.write_end.get(), "hello");
    const IoResult moved =
        run_within(ring_, splice_task(pipe_.read_end.get(), sockets_.first.get(), 64));
    ASSERT_TRUE(moved.ok()) << moved.error().message();
    EXPECT_EQ(moved.value(), 5);
    EXPECT_EQ(read_exactly(sockets_.second.get(), 5), "hello");
}

TEST_F(NonblockingSpliceTest, MovesBytesFromASocketIntoAPipe) {
    write_all(sockets_.second.get(), "world");
    const IoResult moved =
        run_within(ring_, splice_task(sockets_.first.get(), pipe_.write_end.get(), 64));
    ASSERT_TRUE(moved.ok()) << moved.error().message();
    EXPECT_EQ(moved.value(), 5);
    EXPECT_EQ(read_exactly(pipe_.read_end.get(), 5), "world");
}

TEST_F(NonblockingSpliceTest, MovesNoMoreThanTheLengthAsked) {
    write_all(pipe_.write_end.get(), "0123456789");
    const IoResult moved =
        run_within(ring_, splice_task(pipe_.read_end.get(), sockets_.first.get(), 4));
    ASSERT_TRUE(moved.ok()) << moved.error().message();
    EXPECT_EQ(moved.value(), 4);
    EXPECT_EQ(read_exactly(sockets_.second.get(), 4), "0123");
}

TEST_F(NonblockingSpliceTest, WaitsForInputThatArrivesLater) {
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return splice_task(sockets_.first.get(), pipe_.write_end.get(), 64); },
        [&] { write_all(sockets_.second.get(), "late"); });
    ASSERT_TRUE(result && result->ok()) << (result ? result->error().message() : "no result");
    EXPECT_EQ(result->value(), 4);
    EXPECT_EQ(read_exactly(pipe_.read_end.get(), 4), "late");
}

TEST_F(NonblockingSpliceTest, WaitsForRoomWhenTheSocketIsFull) {
    const std::size_t queued = fill_socket(sockets_.first.get());
    write_all(pipe_.write_end.get(), "tail");
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return splice_task(pipe_.read_end.get(), sockets_.first.get(), 64); },
        [&] { read_exactly(sockets_.second.get(), queued); });
    ASSERT_TRUE(result && result->ok()) << (result ? result->error().message() : "no result");
    EXPECT_EQ(result->value(), 4);
    EXPECT_EQ(read_exactly(sockets_.second.get(), 4), "tail");
}

TEST_F(NonblockingSpliceTest, WaitsForRoomWhenThePipeIsFull) {
    make_nonblocking(pipe_.write_end.get());
    const std::vector<char> chunk(4096, 'p');
    std::size_t queued = 0;
    while (::write(pipe_.write_end.get(), chunk.data(), chunk.size()) > 0) queued += chunk.size();
    write_all(sockets_.second.get(), "more");
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return splice_task(sockets_.first.get(), pipe_.write_end.get(), 64); },
        [&] { read_exactly(pipe_.read_end.get(), queued); });
    ASSERT_TRUE(result && result->ok()) << (result ? result->error().message() : "no result");
    EXPECT_EQ(result->value(), 4);
    EXPECT_EQ(read_exactly(pipe_.read_end.get(), 4), "more");
}

TEST_F(NonblockingSpliceTest, ReturnsZeroAtTheEndOfInput) {
    pipe_.write_end.reset();
    const IoResult moved =
        run_within(ring_, splice_task(pipe_.read_end.get(), sockets_.first.get(), 64));
    EXPECT_EQ(moved.raw(), 0);
}

TEST_F(NonblockingSpliceTest, FailsWithEpipeWhenTheReaderIsGone) {
    signal(SIGPIPE, SIG_IGN);
    pipe_.read_end.reset();
    write_all(sockets_.second.get(), "lost");
    const IoResult moved =
        run_within(ring_, splice_task(sockets_.first.get(), pipe_.write_end.get(), 64));
    EXPECT_EQ(moved.raw(), -EPIPE) << "got " << moved.raw();
}

TEST_F(NonblockingSpliceTest, CompletesCancelledWhenStopIsRequestedWhileWaiting) {
    StopSource stop;
    const auto result = result_once_released<IoResult>(
        ring_,
        [&] { return splice_task(sockets_.first.get(), pipe_.write_end.get(), 64, stop.token()); },
        [&] { stop.request_stop(); });
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

TEST_F(NonblockingSpliceTest, TrySpliceReportsEagainInsteadOfWaiting) {
    const IoResult moved = try_splice(sockets_.first.get(), pipe_.write_end.get(), 64);
    EXPECT_EQ(moved.raw(), -EAGAIN) << "got " << moved.raw();
}

}  // namespace
}  // namespace bro::ring
