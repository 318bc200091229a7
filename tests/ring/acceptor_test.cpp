#include "ring/acceptor.hpp"

#include <fcntl.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "feature_paths.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

// acceptor.next() as a task of its own.
Task<IoResult> next_of(Acceptor& acceptor) {
    co_return co_await acceptor.next();
}

// Each test runs once with multishot accept and once with it forced off.
class AcceptorTest : public FeaturePathTest {
  protected:
    // The Acceptor contract: stop() and wait for the kernel to let go before destroying it.
    void stop_and_wait(Acceptor& acceptor) {
        acceptor.stop();
        ASSERT_TRUE(run_until_within(ring_, [&] { return !acceptor.active(); }))
            << "the accept request is still held by the kernel after stop()";
    }

    UnixListener listener_;
};

TEST_P(AcceptorTest, AcceptsSeveralConnectionsInTheOrderTheyArrived) {
    constexpr int kClients = 5;
    Acceptor acceptor(ring_, listener_.fd());
    std::vector<OwnedFd> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(listener_.connect());
        write_all(clients.back().get(), std::to_string(i));
    }
    std::vector<OwnedFd> accepted;
    auto accept_all = [&]() -> Task<IoResult> {
        for (int i = 0; i < kClients; ++i) {
            const IoResult r = co_await acceptor.next();
            if (!r) co_return r;
            accepted.emplace_back(r.value());
        }
        co_return IoResult(0);
    };
    const IoResult result = run_within(ring_, accept_all());
    stop_and_wait(acceptor);
    ASSERT_TRUE(result.ok()) << "accept failed: " << result.error().message();
    ASSERT_EQ(accepted.size(), static_cast<std::size_t>(kClients));
    for (int i = 0; i < kClients; ++i) {
        EXPECT_EQ(read_exactly(accepted[i].get(), 1), std::to_string(i))
            << "accepted connection " << i << " belongs to another client";
    }
}

TEST_P(AcceptorTest, AcceptsAConnectionThatArrivesWhileNextIsWaiting) {
    Acceptor acceptor(ring_, listener_.fd());
    OwnedFd client;
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return next_of(acceptor); }, [&] { client = listener_.connect(); });
    stop_and_wait(acceptor);
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().message();
    OwnedFd accepted(result->value());
    write_all(client.get(), "k");
    EXPECT_EQ(read_exactly(accepted.get(), 1), "k");
}

TEST_P(AcceptorTest, AcceptedFdsAreCloexec) {
    Acceptor acceptor(ring_, listener_.fd());
    std::vector<OwnedFd> clients;
    for (int i = 0; i < 2; ++i) clients.push_back(listener_.connect());
    std::vector<OwnedFd> accepted;
    auto accept_two = [&]() -> Task<void> {
        for (int i = 0; i < 2; ++i) {
            const IoResult r = co_await acceptor.next();
            if (r) accepted.emplace_back(r.value());
        }
    };
    run_within(ring_, accept_two());
    stop_and_wait(acceptor);
    ASSERT_EQ(accepted.size(), 2u);
    for (const OwnedFd& fd : accepted) EXPECT_TRUE(has_cloexec(fd.get())) << "fd " << fd.get();
}

TEST_P(AcceptorTest, AcceptedFdsAreNonblockingWhenAsked) {
    Acceptor acceptor(ring_, listener_.fd(), /*nonblocking=*/true);
    const OwnedFd client = listener_.connect();
    const IoResult accepted = run_within(ring_, next_of(acceptor));
    stop_and_wait(acceptor);
    ASSERT_TRUE(accepted.ok()) << accepted.error().message();
    const OwnedFd fd(accepted.value());
    EXPECT_TRUE(::fcntl(fd.get(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(has_cloexec(fd.get()));
}

TEST_P(AcceptorTest, StopCompletesAWaitingNextWithCancelled) {
    Acceptor acceptor(ring_, listener_.fd());
    const auto result = result_once_released<IoResult>(
        ring_, [&] { return next_of(acceptor); }, [&] { acceptor.stop(); });
    ASSERT_TRUE(run_until_within(ring_, [&] { return !acceptor.active(); }))
        << "the accept request is still held by the kernel after stop()";
    ASSERT_TRUE(result.has_value()) << "next() still waiting after stop()";
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

TEST_P(AcceptorTest, NextAfterStopReturnsCancelledAtOnce) {
    Acceptor acceptor(ring_, listener_.fd());
    stop_and_wait(acceptor);
    const IoResult result = run_within(ring_, next_of(acceptor));
    EXPECT_TRUE(result.cancelled()) << "got " << result.raw();
}

TEST_P(AcceptorTest, ReportsAnErrorOnASocketThatIsNotListening) {
    SocketPair pair = make_socket_pair();
    Acceptor acceptor(ring_, pair.first.get());
    const IoResult result = run_within(ring_, next_of(acceptor));
    stop_and_wait(acceptor);
    EXPECT_EQ(result.raw(), -EINVAL) << "got " << result.raw();
}

INSTANTIATE_TEST_SUITE_P(AcceptModes, AcceptorTest,
                         native_and_fallback(&RingFeatures::multishot_accept, "Multishot",
                                             "SingleShotFallback",
                                             "multishot accept needs kernel 5.19"),
                         path_name);

}  // namespace
}  // namespace bro::ring
