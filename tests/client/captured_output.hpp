#pragma once
// A pipe standing in for stderr, stdout or stdin of the code under test, which writes to (or
// reads from) fd(). Messages and test data stay far below the pipe's 64 KiB, so no write in a
// test ever blocks.

#include <string>

namespace bro::test {

class CapturedOutput {
  public:
    CapturedOutput();
    ~CapturedOutput();
    CapturedOutput(const CapturedOutput&) = delete;
    CapturedOutput& operator=(const CapturedOutput&) = delete;

    // The write end, for the code under test.
    int fd() const { return write_end_; }
    // Everything written since the last call (never blocks).
    std::string take();

  private:
    int read_end_ = -1;
    int write_end_ = -1;
};

// A pipe holding `data`, its write end closed: reading gives `data`, then end of file.
class PipeInput {
  public:
    explicit PipeInput(const std::string& data);
    ~PipeInput();
    PipeInput(const PipeInput&) = delete;
    PipeInput& operator=(const PipeInput&) = delete;

    int fd() const { return read_end_; }

  private:
    int read_end_ = -1;
};

}  // namespace bro::test
