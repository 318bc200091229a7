// What the client sends in content mode, in protocol order: the Request frame, each file
// argument's content as FileData frames ended by FileEnd, stdin as StdinData ended by StdinEnd,
// and Signal and WindowSize frames only between frames, once the file contents are out.
#include "client/outgoing_stream.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "captured_output.hpp"
#include "test_frames.hpp"

namespace bro::test {
namespace {

using client::ClientRequest;
using client::Diagnostics;
using client::OpenedFileArgument;
using protocol::FrameType;

// An unnamed file holding `content`, read from its start.
UniqueFd file_with(const std::string& content) {
    UniqueFd fd(::memfd_create("file-argument", MFD_CLOEXEC));
    EXPECT_TRUE(fd.valid()) << std::strerror(errno);
    EXPECT_EQ(::write(fd.get(), content.data(), content.size()),
              static_cast<ssize_t>(content.size()));
    ::lseek(fd.get(), 0, SEEK_SET);
    return fd;
}

OpenedFileArgument file_argument(UniqueFd fd, std::uint32_t index,
                                 std::uint32_t same_as = protocol::kOwnFile) {
    return {std::move(fd), "notes.txt", index, 0, "notes.txt", same_as};
}

class OutgoingStream : public ::testing::Test {
  protected:
    OutgoingStream() { request.frame = frame_bytes(FrameType::kRequest, "request"); }

    // Plays the relay's part without a socket: reads files (and stdin, which the tests make
    // always readable) whenever the stream asks, and "sends" everything pending, until nothing
    // is left. Returns what was sent.
    Bytes send(client::OutgoingStream& stream) {
        Bytes sent;
        for (;;) {
            if (stream.wants_files() && !stream.fill_from_files(diagnostics)) break;
            if (stream.wants_stdin()) stream.read_stdin(diagnostics);
            const auto pending = stream.pending();
            if (pending.empty()) break;
            sent.insert(sent.end(), pending.begin(), pending.end());
            stream.sent(pending.size());
        }
        return sent;
    }

    ClientRequest request;
    CapturedOutput err;
    Diagnostics diagnostics{false, err.fd()};
};

TEST_F(OutgoingStream, TheRequestFrameGoesOutFirstAndAloneWithoutFilesOrStdin) {
    client::OutgoingStream stream(request, -1);
    EXPECT_EQ(split_frames(send(stream)), (std::vector<Frame>{{FrameType::kRequest, "request"}}));
    EXPECT_FALSE(stream.wants_stdin());
}

TEST_F(OutgoingStream, AFileArgumentFollowsAsFileDataEndedByFileEnd) {
    request.files.push_back(file_argument(file_with("hello"), 0));
    client::OutgoingStream stream(request, -1);
    EXPECT_EQ(split_frames(send(stream)), (std::vector<Frame>{{FrameType::kRequest, "request"},
                                                              {FrameType::kFileData, "hello"},
                                                              {FrameType::kFileEnd, ""}}));
    EXPECT_FALSE(request.files[0].fd.valid()) << "a file is closed once its content is sent";
}

TEST_F(OutgoingStream, AnEmptyFileIsJustFileEnd) {
    request.files.push_back(file_argument(file_with(""), 0));
    client::OutgoingStream stream(request, -1);
    EXPECT_EQ(split_frames(send(stream)),
              (std::vector<Frame>{{FrameType::kRequest, "request"}, {FrameType::kFileEnd, ""}}));
}

TEST_F(OutgoingStream, AFileLargerThanAChunkIsSentInChunkSizedFrames) {
    const std::string content(kDataChunkBytes + 10, 'c');
    request.files.push_back(file_argument(file_with(content), 0));
    client::OutgoingStream stream(request, -1);
    const auto frames = split_frames(send(stream));
    ASSERT_EQ(frames.size(), 4u);
    EXPECT_EQ(frames[1].type, FrameType::kFileData);
    EXPECT_EQ(frames[1].payload.size(), kDataChunkBytes);
    EXPECT_EQ(frames[2], (Frame{FrameType::kFileData, std::string(10, 'c')}));
    EXPECT_EQ(frames[3], (Frame{FrameType::kFileEnd, ""}));
}

TEST_F(OutgoingStream, AFileNamedTwiceIsSentOnce) {
    request.files.push_back(file_argument(file_with("once"), 0));
    request.files.push_back(file_argument(UniqueFd(), 1, 0));  // the same file as argument 0
    client::OutgoingStream stream(request, -1);
    EXPECT_EQ(split_frames(send(stream)), (std::vector<Frame>{{FrameType::kRequest, "request"},
                                                              {FrameType::kFileData, "once"},
                                                              {FrameType::kFileEnd, ""}}));
}

TEST_F(OutgoingStream, StdinFollowsTheFilesAndEndsWithStdinEnd) {
    request.files.push_back(file_argument(file_with("file"), 0));
    request.stdin_mode = protocol::StdinMode::kStreamed;
    PipeInput stdin_pipe("typed");
    client::OutgoingStream stream(request, stdin_pipe.fd());
    EXPECT_EQ(split_frames(send(stream)), (std::vector<Frame>{{FrameType::kRequest, "request"},
                                                              {FrameType::kFileData, "file"},
                                                              {FrameType::kFileEnd, ""},
                                                              {FrameType::kStdinData, "typed"},
                                                              {FrameType::kStdinEnd, ""}}));
}

TEST_F(OutgoingStream, AStdinReadErrorEndsStdinLikeEndOfFile) {
    request.stdin_mode = protocol::StdinMode::kStreamed;
    const UniqueFd directory(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));  // read: EISDIR
    client::OutgoingStream stream(request, directory.get());
    EXPECT_EQ(split_frames(send(stream)),
              (std::vector<Frame>{{FrameType::kRequest, "request"}, {FrameType::kStdinEnd, ""}}));
}

TEST_F(OutgoingStream, AFileArgumentThatCannotBeReadIsReportedWithItsPath) {
    request.files.push_back(file_argument(UniqueFd(::open("/", O_RDONLY | O_DIRECTORY)), 0));
    client::OutgoingStream stream(request, -1);
    stream.sent(request.frame.size());
    ASSERT_TRUE(stream.wants_files());
    EXPECT_FALSE(stream.fill_from_files(diagnostics));
    EXPECT_EQ(err.take(),
              "bro-client: cannot read the file argument notes.txt: Is a directory (EISDIR)\n");
}

TEST_F(OutgoingStream, ASignalWaitsUntilTheFileContentsAreSent) {
    request.files.push_back(file_argument(file_with("content"), 0));
    client::OutgoingStream stream(request, -1);
    ASSERT_TRUE(stream.queue_signal(SIGINT));
    EXPECT_EQ(split_frames(send(stream)),
              (std::vector<Frame>{{FrameType::kRequest, "request"},
                                  {FrameType::kFileData, "content"},
                                  {FrameType::kFileEnd, ""},
                                  {FrameType::kSignal, std::string(1, char(SIGINT))}}));
}

TEST_F(OutgoingStream, ASignalGoesBetweenTwoFramesNeverInsideOne) {
    request.stdin_mode = protocol::StdinMode::kStreamed;
    PipeInput stdin_pipe("abcdef");
    client::OutgoingStream stream(request, stdin_pipe.fd());
    Bytes sent(request.frame);
    stream.sent(request.frame.size());
    ASSERT_TRUE(stream.wants_stdin());
    stream.read_stdin(diagnostics);
    const auto started = stream.pending().first(3);  // part of the StdinData header goes out
    sent.insert(sent.end(), started.begin(), started.end());
    stream.sent(started.size());
    ASSERT_TRUE(stream.queue_signal(SIGTERM));
    const Bytes rest = send(stream);
    sent.insert(sent.end(), rest.begin(), rest.end());
    EXPECT_EQ(split_frames(sent),
              (std::vector<Frame>{{FrameType::kRequest, "request"},
                                  {FrameType::kStdinData, "abcdef"},
                                  {FrameType::kStdinEnd, ""},
                                  {FrameType::kSignal, std::string(1, char(SIGTERM))}}));
}

TEST_F(OutgoingStream, AFullSignalQueueDropsFurtherSignals) {
    client::OutgoingStream stream(request, -1);
    send(stream);
    int queued = 0;
    while (stream.queue_signal(SIGUSR1) && queued < 1000) ++queued;
    EXPECT_EQ(queued, 16);
    EXPECT_EQ(split_frames(send(stream)).size(), 16u);
    EXPECT_TRUE(stream.queue_signal(SIGUSR1)) << "the queue has room again once sent";
}

TEST_F(OutgoingStream, AWindowSizeWaitsForRoomInsteadOfBeingDropped) {
    client::OutgoingStream stream(request, -1);
    send(stream);
    while (stream.queue_signal(SIGUSR2)) {
    }
    stream.queue_window_size({24, 80, 0, 0});
    const auto frames = split_frames(send(stream));
    ASSERT_EQ(frames.size(), 17u);
    EXPECT_EQ(frames.back().type, FrameType::kWindowSize);
    const auto encoded = protocol::encode_window_size({24, 80, 0, 0});
    EXPECT_EQ(frames.back().payload, std::string(encoded.begin(), encoded.end()));
}

TEST_F(OutgoingStream, StopDropsEverythingStillToBeSent) {
    request.files.push_back(file_argument(file_with("never"), 0));
    request.stdin_mode = protocol::StdinMode::kStreamed;
    client::OutgoingStream stream(request, -1);
    ASSERT_TRUE(stream.queue_signal(SIGINT));
    stream.stop();
    EXPECT_TRUE(stream.pending().empty());
    EXPECT_FALSE(stream.wants_files());
    EXPECT_FALSE(stream.wants_stdin());
    EXPECT_FALSE(request.files[0].fd.valid());
}

}  // namespace
}  // namespace bro::test
