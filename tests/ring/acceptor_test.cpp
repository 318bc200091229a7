#include "ring/acceptor.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

enum class AcceptMode { kMultishot, kSingleShotFallback };

std::string mode_name(const ::testing::TestParamInfo<AcceptMode>& info) {
    return info.param == AcceptMode::kMultishot ? "Multishot" : "SingleShotFallback";
}

RingOptions options_for(AcceptMode mode) {
    RingOptions options;
    if (mode == AcceptMode::kSingleShotFallback) {
        options.adjust_features = [](RingFeatures& f) { f.multishot_accept = false; };
    }
    return options;
}

// Each test runs once with multishot accept and once with it forced off.
class AcceptorTest : public ::testing::TestWithParam<AcceptMode> {
  protected:
    AcceptorTest() : ring_(options_for(GetParam())) {}

    void SetUp() override {
        if (GetParam() == AcceptMode::kMultishot && !ring_.features().multishot_accept) {
            GTEST_SKIP() << "multishot accept needs kernel 5.19";
        }
    }

    // The Acceptor contract: stop() and wait for the kernel to let go before destroying it.
    void stop_and_wait(Acceptor& acceptor) {
        acceptor.stop();
        ASSERT_TRUE(run_until_within(ring_, [&] { return !acceptor.active(); }))
            << "the accept request is still held by the kernel after stop()";
    }

    Ring ring_;
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
    std::optional<IoResult> result;
    auto wait_for_connection = [&]() -> Task<void> { result = co_await acceptor.next(); };
    ring_.spawn(wait_for_connection());
    ring_.run_once(false);
    EXPECT_FALSE(result.has_value()) << "next() completed with no client connecting";
    OwnedFd client = listener_.connect();
    ASSERT_TRUE(run_until_within(ring_, [&] { return result.has_value(); }));
    stop_and_wait(acceptor);
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

TEST_P(AcceptorTest, StopCompletesAWaitingNextWithCancelled) {
    Acceptor acceptor(ring_, listener_.fd());
    std::optional<IoResult> result;
    auto wait_for_connection = [&]() -> Task<void> { result = co_await acceptor.next(); };
    ring_.spawn(wait_for_connection());
    ring_.run_once(false);
    ASSERT_FALSE(result.has_value());
    acceptor.stop();
    ASSERT_TRUE(run_until_within(ring_, [&] { return result.has_value() && !acceptor.active(); }))
        << "next() still waiting after stop()";
    EXPECT_TRUE(result->cancelled()) << "got " << result->raw();
}

TEST_P(AcceptorTest, NextAfterStopReturnsCancelledAtOnce) {
    Acceptor acceptor(ring_, listener_.fd());
    stop_and_wait(acceptor);
    const IoResult result =
        run_within(ring_, [&]() -> Task<IoResult> { co_return co_await acceptor.next(); }());
    EXPECT_TRUE(result.cancelled()) << "got " << result.raw();
}

TEST_P(AcceptorTest, ReportsAnErrorOnASocketThatIsNotListening) {
    SocketPair pair = make_socket_pair();
    Acceptor acceptor(ring_, pair.first.get());
    const IoResult result =
        run_within(ring_, [&]() -> Task<IoResult> { co_return co_await acceptor.next(); }());
    stop_and_wait(acceptor);
    EXPECT_EQ(result.raw(), -EINVAL) << "got " << result.raw();
}

INSTANTIATE_TEST_SUITE_P(AcceptModes, AcceptorTest,
                         ::testing::Values(AcceptMode::kMultishot, AcceptMode::kSingleShotFallback),
                         mode_name);

}  // namespace
}  // namespace bro::ring
