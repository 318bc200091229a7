// What the client makes of the server's frames in content mode: data copied out as it
// arrives, and the one frame that ends the run (Exit, Error, ModeRejected) turned into how the
// client ends, with the line it prints. The fd-passing exchange reads the same control frames
// through control_frames.hpp.
#include "client/incoming_stream.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>

#include "captured_output.hpp"
#include "core/reply_encoding.hpp"
#include "test_frames.hpp"

namespace bro::client {

void PrintTo(const ExitOutcome& outcome, std::ostream* out) {
    *out << (outcome.kind == ExitOutcome::Kind::kExit ? "exit " : "die by signal ")
         << outcome.number;
}

}  // namespace bro::client

namespace bro::test {
namespace {

using client::Diagnostics;
using client::ExitOutcome;
using protocol::FrameType;

Bytes exit_frame(const ExitStatus& status, std::string_view detail = {},
                 std::uint64_t stdin_consumed = protocol::kStdinConsumedUnknown) {
    Bytes out;
    protocol::encode_exit(status, detail, out, stdin_consumed);
    return out;
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

class IncomingStream : public ::testing::Test {
  protected:
    // Hands `bytes` to `stream` in pieces of at most `step` bytes, as recv() would, until the
    // run ends; bytes left over after the end are a test failure.
    static std::optional<ExitOutcome> receive(client::IncomingStream& stream, const Bytes& bytes,
                                              std::size_t step = SIZE_MAX) {
        std::span<const std::uint8_t> rest(bytes);
        while (!rest.empty()) {
            const auto space = stream.receive_space();
            const std::size_t count = std::min({space.size(), rest.size(), step});
            std::memcpy(space.data(), rest.data(), count);
            rest = rest.subspan(count);
            if (auto outcome = stream.received(count)) {
                EXPECT_TRUE(rest.empty()) << rest.size() << " bytes after the run ended";
                return outcome;
            }
        }
        return std::nullopt;
    }
    std::optional<ExitOutcome> receive(const Bytes& bytes, std::size_t step = SIZE_MAX) {
        return receive(stream, bytes, step);
    }

    CapturedOutput out;          // the program's stdout, as the client writes it
    CapturedOutput program_err;  // the program's stderr
    CapturedOutput err;          // the client's own messages
    Diagnostics diagnostics{false, err.fd()};
    client::IncomingStream stream{{out.fd(), program_err.fd()}, "/run/x.sock", diagnostics};
};

TEST_F(IncomingStream, DataFramesAreCopiedToStdoutAndStderrAsTheyArrive) {
    EXPECT_EQ(
        receive(frame_bytes(FrameType::kStdout, "hello ") +
                frame_bytes(FrameType::kStderr, "oops") + frame_bytes(FrameType::kStdout, "world")),
        std::nullopt);
    EXPECT_EQ(out.take(), "hello world");
    EXPECT_EQ(program_err.take(), "oops");
    EXPECT_EQ(err.take(), "");
}

TEST_F(IncomingStream, FramesSplitAtEveryByteAreReassembled) {
    const Bytes bytes = frame_bytes(FrameType::kStdout, "split") +
                        frame_bytes(FrameType::kStderr, "") + exit_frame(ExitStatus::exited(7));
    EXPECT_EQ(receive(bytes, 1), ExitOutcome::exit_with(7));
    EXPECT_EQ(out.take(), "split");
}

TEST_F(IncomingStream, ADataFrameLargerThanTheBufferIsWrittenOutPieceByPiece) {
    // The program's stdout is a file here: a pipe would fill up long before.
    const int file = ::memfd_create("stdout", MFD_CLOEXEC);
    ASSERT_GE(file, 0) << std::strerror(errno);
    client::IncomingStream big{{file, program_err.fd()}, "/run/x.sock", diagnostics};
    const std::string data(client::IncomingStream::kLargeBytes + 4096, 'd');
    EXPECT_EQ(
        receive(big, frame_bytes(FrameType::kStdout, data) + exit_frame(ExitStatus::exited(0))),
        ExitOutcome::exit_with(0));
    EXPECT_EQ(::lseek(file, 0, SEEK_END), static_cast<off_t>(data.size()));
    ::close(file);
}

TEST_F(IncomingStream, AnExitFrameEndsTheRunWithTheProgramsExitCode) {
    EXPECT_EQ(receive(exit_frame(ExitStatus::exited(3))), ExitOutcome::exit_with(3));
    EXPECT_EQ(err.take(), "");
}

TEST_F(IncomingStream, AProgramKilledByASignalMakesTheClientDieByTheSameSignal) {
    EXPECT_EQ(receive(exit_frame(ExitStatus::signaled(SIGTERM, true))),
              ExitOutcome::die_by(SIGTERM));
    EXPECT_EQ(err.take(), "");
}

TEST_F(IncomingStream, AProgramTheServerCouldNotFindGives127AndSaysWhichStepFailed) {
    EXPECT_EQ(receive(exit_frame(ExitStatus::not_started(SpawnStep::kExecute, ENOENT),
                                 "execve /usr/bin/tool")),
              ExitOutcome::exit_with(127));
    EXPECT_EQ(err.take(),
              "bro-client: the server could not execute the program: No such file or directory "
              "(ENOENT) (execve /usr/bin/tool)\n");
}

TEST_F(IncomingStream, AProgramThatCouldNotStartForAnotherReasonGives126) {
    EXPECT_EQ(receive(exit_frame(ExitStatus::not_started(SpawnStep::kChangeDirectory, EACCES))),
              ExitOutcome::exit_with(126));
    EXPECT_EQ(err.take(),
              "bro-client: the server could not change to the working directory: Permission "
              "denied (EACCES)\n");
}

TEST_F(IncomingStream, ARunStoppedAtTheServersTimeoutGives124AndSaysSo) {
    ExitStatus status = ExitStatus::signaled(SIGTERM, false);
    status.timed_out = true;
    EXPECT_EQ(receive(exit_frame(status)), ExitOutcome::exit_with(124));
    EXPECT_EQ(err.take(),
              "bro-client: the program ran past the server's --timeout and was stopped\n");
}

TEST_F(IncomingStream, TheStdinConsumedCountIsTakenFromTheExitFrame) {
    EXPECT_EQ(stream.stdin_consumed(), protocol::kStdinConsumedUnknown);
    EXPECT_EQ(receive(exit_frame(ExitStatus::exited(0), {}, 42)), ExitOutcome::exit_with(0));
    EXPECT_EQ(stream.stdin_consumed(), 42u);
}

TEST_F(IncomingStream, AnErrorFrameGives125WithTheServersReason) {
    Bytes bytes;
    protocol::encode_error("too many arguments: 5, limit 4 (set by bro-server --max-args)", bytes);
    EXPECT_EQ(receive(bytes), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server refused the request: too many arguments: 5, limit 4 (set by "
              "bro-server --max-args)\n");
}

TEST_F(IncomingStream, AModeRejectedFrameIsFinalAndSaysWhatToChange) {
    Bytes bytes;
    protocol::encode_mode_rejected(protocol::kAcceptsFdPassing, bytes);
    EXPECT_EQ(receive(bytes), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server at /run/x.sock accepts only fd-passing mode; unset "
              "BRO_TRANSFER_MODE or set it to auto\n");
}

TEST_F(IncomingStream, ATerminalSessionRefusedByAnFdOnlyServerSuggestsRunningWithoutOne) {
    client::IncomingStream terminal{{out.fd(), program_err.fd()}, "/run/x.sock", diagnostics, true};
    Bytes bytes;
    protocol::encode_mode_rejected(protocol::kAcceptsFdPassing, bytes);
    EXPECT_EQ(receive(terminal, bytes), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server at /run/x.sock accepts only fd-passing mode, which cannot "
              "give the program a terminal of its own; set BRO_TTY=0 to run it without one\n");
}

TEST_F(IncomingStream, AFrameOnlyAClientSendsIsRefused) {
    EXPECT_EQ(receive(frame_bytes(FrameType::kStdinData, "x")), client::kClientFailure);
    EXPECT_EQ(err.take(), "bro-client: the server sent an unexpected frame (type 4)\n");
}

TEST_F(IncomingStream, AnUnknownFrameTypeIsReportedAsAVersionMismatch) {
    EXPECT_EQ(receive(Bytes{0x99, 0, 0, 0, 0}), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server sent a frame of unknown type 153; are client and server the "
              "same version?\n");
}

TEST_F(IncomingStream, AModeRejectedFrameLongerThanOneByteIsRefusedFromItsHeader) {
    // Only the header has arrived: its length alone condemns it.
    const Bytes header{static_cast<std::uint8_t>(FrameType::kModeRejected), 0, 0, 0, 2};
    EXPECT_EQ(receive(header), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server sent a frame of type 133 of 2 bytes, limit 1; are client and "
              "server the same version?\n");
}

TEST_F(IncomingStream, AnEmptyModeRejectedFrameIsMalformed) {
    EXPECT_EQ(receive(frame_bytes(FrameType::kModeRejected)), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server sent a malformed frame: malformed mode rejection; are client "
              "and server the same version?\n");
}

TEST_F(IncomingStream, AMalformedExitFrameGives125) {
    EXPECT_EQ(receive(frame_bytes(FrameType::kExit, "abc")), client::kClientFailure);
    EXPECT_EQ(err.take().rfind("bro-client: the server sent a malformed exit frame: ", 0), 0u);
}

TEST_F(IncomingStream, AConnectionThatEndsBeforeTheExitFrameIsAFailure) {
    EXPECT_EQ(receive(frame_bytes(FrameType::kStdout, "partial")), std::nullopt);
    EXPECT_EQ(stream.end_of_stream(), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: the server closed the connection before reporting an exit status\n");
}

TEST_F(IncomingStream, AStdoutThatCannotBeWrittenGives125) {
    const int read_only = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(read_only, 0);
    client::IncomingStream unwritable{{read_only, program_err.fd()}, "/run/x.sock", diagnostics};
    EXPECT_EQ(receive(unwritable, frame_bytes(FrameType::kStdout, "lost")), client::kClientFailure);
    EXPECT_EQ(err.take(),
              "bro-client: cannot write to standard output: Bad file descriptor (EBADF)\n");
    ::close(read_only);
}

}  // namespace
}  // namespace bro::test
