#include "captured_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace bro::test {

CapturedOutput::CapturedOutput() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return;
    }
    read_end_ = fds[0];
    write_end_ = fds[1];
    ::fcntl(read_end_, F_SETFL, O_NONBLOCK);
}

CapturedOutput::~CapturedOutput() {
    if (read_end_ >= 0) ::close(read_end_);
    if (write_end_ >= 0) ::close(write_end_);
}

std::string CapturedOutput::take() {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(read_end_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

PipeInput::PipeInput(const std::string& data) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return;
    }
    read_end_ = fds[0];
    EXPECT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fds[1]);
}

PipeInput::~PipeInput() {
    if (read_end_ >= 0) ::close(read_end_);
}

}  // namespace bro::test
