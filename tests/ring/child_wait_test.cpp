#include "ring/child_wait.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <variant>

#include "bounded_run.hpp"
#include "feature_paths.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

using ChildResult = std::variant<siginfo_t, std::error_code>;

// A forked child and its pidfd. The pidfd makes clean-up safe: once the child is reaped its
// pid may be reused, but signalling or waiting through the pidfd can never hit a stranger.
class ForkedChild {
  public:
    // Runs `body` in the child, which exits with its return value.
    explicit ForkedChild(const std::function<int()>& body) {
        pid_ = ::fork();
        if (pid_ < 0) throw std::system_error(errno, std::system_category(), "fork");
        if (pid_ == 0) ::_exit(body());  // only async-signal-safe calls from here on
        // A child that already exited is a zombie until reaped, so pidfd_open still works.
        pidfd_ = OwnedFd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
        if (pidfd_.get() < 0) {
            const int error = errno;
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            throw std::system_error(error, std::system_category(), "pidfd_open");
        }
    }
    ForkedChild(const ForkedChild&) = delete;
    ForkedChild& operator=(const ForkedChild&) = delete;
    ~ForkedChild() {
        ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
        siginfo_t info{};
        ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                 WEXITED);  // ECHILD when the test already reaped it
    }

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    void kill(int signal) const {
        if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0) != 0) {
            throw std::system_error(errno, std::system_category(), "pidfd_send_signal");
        }
    }

  private:
    pid_t pid_ = -1;
    OwnedFd pidfd_;
};

// Each test runs once with IORING_OP_WAITID and once with the poll + waitid fallback.
class ChildWaitTest : public FeaturePathTest {
  protected:
    ChildResult wait_for(int pidfd) { return run_within(ring_, wait_for_child(ring_, pidfd)); }
};

// Expected vs got for a child's end, spelled out.
// (si_code and si_status are macros in <signal.h>, hence the parameter names.)
::testing::AssertionResult ended_with(const ChildResult& result, int code, int status) {
    if (const auto* error = std::get_if<std::error_code>(&result)) {
        return ::testing::AssertionFailure() << "wait_for_child failed: " << error->message();
    }
    const siginfo_t& info = std::get<siginfo_t>(result);
    if (info.si_code == code && info.si_status == status) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "expected si_code " << code << " si_status " << status << ", got si_code "
           << info.si_code << " si_status " << info.si_status;
}

TEST_P(ChildWaitTest, ReportsTheExitCode) {
    ForkedChild child([] { return 42; });
    EXPECT_TRUE(ended_with(wait_for(child.pidfd()), CLD_EXITED, 42));
}

TEST_P(ChildWaitTest, ReportsTheChildsPid) {
    ForkedChild child([] { return 0; });
    const ChildResult result = wait_for(child.pidfd());
    ASSERT_TRUE(std::holds_alternative<siginfo_t>(result));
    EXPECT_EQ(std::get<siginfo_t>(result).si_pid, child.pid());
}

TEST_P(ChildWaitTest, ReportsDeathBySigkill) {
    ForkedChild child([] {
        for (;;) ::pause();
        return 0;
    });
    child.kill(SIGKILL);
    EXPECT_TRUE(ended_with(wait_for(child.pidfd()), CLD_KILLED, SIGKILL));
}

TEST_P(ChildWaitTest, ReapsTheChild) {
    ForkedChild child([] { return 3; });
    ASSERT_TRUE(ended_with(wait_for(child.pidfd()), CLD_EXITED, 3));
    int status = 0;
    const pid_t reaped = ::waitpid(child.pid(), &status, WNOHANG);
    const int error = errno;
    EXPECT_EQ(reaped, -1) << "the child was left for someone else to reap";
    EXPECT_EQ(error, ECHILD) << std::strerror(error);
}

TEST_P(ChildWaitTest, WaitsUntilARunningChildExits) {
    Pipe gate = make_pipe();
    ForkedChild child([&] {
        char byte;
        ::close(gate.write_end.get());  // else the child's own copy keeps the pipe open
        // Blocks until the parent closes its write end; then exits 7.
        while (::read(gate.read_end.get(), &byte, 1) < 0 && errno == EINTR) {
        }
        return 7;
    });
    gate.read_end.reset();
    const auto result = result_once_released<ChildResult>(
        ring_, [&] { return wait_for_child(ring_, child.pidfd()); },
        [&] { gate.write_end.reset(); });  // lets the child go
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(ended_with(*result, CLD_EXITED, 7));
}

TEST_P(ChildWaitTest, FailsWithEbadfForAClosedPidfd) {
    const ChildResult result = wait_for(closed_fd());
    ASSERT_TRUE(std::holds_alternative<std::error_code>(result)) << "a closed fd gave a child";
    EXPECT_EQ(std::get<std::error_code>(result).value(), EBADF)
        << std::get<std::error_code>(result).message();
}

INSTANTIATE_TEST_SUITE_P(WaitPaths, ChildWaitTest,
                         native_and_fallback(&RingFeatures::waitid, "NativeWaitid", "PollFallback",
                                             "IORING_OP_WAITID needs kernel 6.7"),
                         path_name);

}  // namespace
}  // namespace bro::ring
