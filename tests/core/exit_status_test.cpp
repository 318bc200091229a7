#include "core/exit_status.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <string_view>
#include <type_traits>

namespace bro {
namespace {

TEST(ExitStatus, ShellCodeOfANormalExitIsTheExitCode) {
    for (int code : {0, 1, 42, 126, 127, 255}) {
        EXPECT_EQ(ExitStatus::exited(code).shell_code(), code) << "exit code " << code;
    }
}

TEST(ExitStatus, ShellCodeOfADeathBySignalIs128PlusTheSignal) {
    EXPECT_EQ(ExitStatus::signaled(SIGKILL, false).shell_code(), 128 + 9);
    EXPECT_EQ(ExitStatus::signaled(SIGINT, false).shell_code(), 128 + 2);
    EXPECT_EQ(ExitStatus::signaled(SIGSEGV, true).shell_code(), 128 + 11);
}

TEST(ExitStatus, ShellCodeIs127WhenTheProgramWasNotFoundAtExec) {
    EXPECT_EQ(ExitStatus::not_started(SpawnStep::kExecute, ENOENT).shell_code(), 127);
}

TEST(ExitStatus, ShellCodeIs126WhenTheProgramCouldNotBeExecuted) {
    EXPECT_EQ(ExitStatus::not_started(SpawnStep::kExecute, EACCES).shell_code(), 126);
}

TEST(ExitStatus, ShellCodeIs126WhenAStepBeforeExecFailedEvenWithEnoent) {
    // ENOENT from chdir means a missing directory, not a missing program.
    EXPECT_EQ(ExitStatus::not_started(SpawnStep::kChangeDirectory, ENOENT).shell_code(), 126);
    EXPECT_EQ(ExitStatus::not_started(SpawnStep::kCreateProcess, EAGAIN).shell_code(), 126);
}

TEST(ExitStatus, OnlyTheDefinedStepsAreSteps) {
    for (int value = 0; value <= 255; ++value) {
        const bool defined = value <= 10 && value != 5;
        EXPECT_EQ(is_spawn_step(static_cast<std::uint8_t>(value)), defined) << value;
    }
}

TEST(ExitStatus, WaitidExitedGivesAnExitWithTheStatus) {
    EXPECT_EQ(exit_status_from_waitid(CLD_EXITED, 3), ExitStatus::exited(3));
    EXPECT_EQ(exit_status_from_waitid(CLD_EXITED, 0), ExitStatus::exited(0));
}

TEST(ExitStatus, WaitidKilledGivesASignalWithoutCore) {
    const ExitStatus status = exit_status_from_waitid(CLD_KILLED, SIGTERM);
    EXPECT_EQ(status.kind, ExitStatus::Kind::kSignaled);
    EXPECT_EQ(status.code, SIGTERM);
    EXPECT_FALSE(status.core_dumped);
}

TEST(ExitStatus, WaitidDumpedGivesASignalWithCore) {
    const ExitStatus status = exit_status_from_waitid(CLD_DUMPED, SIGABRT);
    EXPECT_EQ(status.kind, ExitStatus::Kind::kSignaled);
    EXPECT_EQ(status.code, SIGABRT);
    EXPECT_TRUE(status.core_dumped);
}

TEST(ExitStatus, EveryStepHasADescription) {
    for (auto step : {SpawnStep::kCreateProcess, SpawnStep::kRedirectStdio,
                      SpawnStep::kChangeDirectory, SpawnStep::kCreateSession, SpawnStep::kExecute,
                      SpawnStep::kSetGroups, SpawnStep::kSetGroup, SpawnStep::kSetUser,
                      SpawnStep::kVerifyIdentity, SpawnStep::kApplyProfile}) {
        EXPECT_STRNE(describe(step), "unknown step") << static_cast<int>(step);
    }
}

// describe_status() through a sink that words an errno as "errno N", so the tests see which
// piece was an ErrorNumber.
std::string described(const ExitStatus& status, std::string_view detail = {}) {
    std::string text;
    describe_status(status, detail, [&](const auto& piece) {
        using Piece = std::decay_t<decltype(piece)>;
        if constexpr (std::is_same_v<Piece, ErrorNumber>) {
            text += "errno " + std::to_string(piece.value);
        } else if constexpr (std::is_same_v<Piece, int>) {
            text += std::to_string(piece);
        } else {
            text += piece;
        }
    });
    return text;
}

TEST(DescribeStatus, AnExitIsWordedWithItsCode) {
    EXPECT_EQ(described(ExitStatus::exited(3)), "exited with 3");
}

TEST(DescribeStatus, ADeathBySignalNamesTheSignal) {
    EXPECT_EQ(described(ExitStatus::signaled(SIGKILL, false)), "was killed by signal 9");
}

TEST(DescribeStatus, ACoreDumpIsMentioned) {
    EXPECT_EQ(described(ExitStatus::signaled(SIGABRT, true)),
              "was killed by signal 6 (core dumped)");
}

TEST(DescribeStatus, ARunThatNeverStartedNamesTheStepAndHandsOverTheErrno) {
    EXPECT_EQ(described(ExitStatus::not_started(SpawnStep::kChangeDirectory, ENOENT)),
              "could not change to the working directory: errno 2");
}

TEST(DescribeStatus, TheServersDetailFollowsTheErrorInParentheses) {
    EXPECT_EQ(described(ExitStatus::not_started(SpawnStep::kExecute, EACCES), "execve /bin/x"),
              "could not execute the program: errno 13 (execve /bin/x)");
}

TEST(DescribeStatus, TheDetailOfAFinishedRunIsNotWorded) {
    EXPECT_EQ(described(ExitStatus::exited(0), "ignored"), "exited with 0");
}

}  // namespace
}  // namespace bro
