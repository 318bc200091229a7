#pragma once
// The client's only output of its own: one line per message on stderr, prefixed
// "bro-client: ", written with a single write(2) from a fixed buffer. Debug lines appear only
// when BRO_LOG=debug. No allocation, no iostream, no static state, so logging costs nothing at
// start-up and works in a static -fno-exceptions build.

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "core/exit_status.hpp"

namespace bro::client {

// An errno value, rendered as "No such file or directory (ENOENT)".
struct SystemError {
    int number;
};

// A number rendered in octal with a leading 0, e.g. a umask: "022".
struct Octal {
    unsigned long long value;
};

// How a run ended, worded by core's describe_status(): "exited with 3", "was killed by signal
// 9", "could not execute the program: No such file or directory (ENOENT) (execve /bin/x)".
struct StatusDescription {
    const ExitStatus& status;
    std::string_view detail = {};
};

// errno's symbolic name ("ENOENT"), or nullptr for a value the table does not know.
const char* errno_name(int number);

// One diagnostic line under construction. Text beyond the buffer is cut, never overflowed.
class LogLine {
  public:
    LogLine() { append(std::string_view("bro-client: ")); }

    template <typename Part>
    void add(const Part& part) {
        if constexpr (std::is_same_v<Part, SystemError>) {
            append(part);
        } else if constexpr (std::is_same_v<Part, ErrorNumber>) {
            append(SystemError{part.value});
        } else if constexpr (std::is_same_v<Part, StatusDescription>) {
            describe_status(part.status, part.detail, [this](const auto& piece) { add(piece); });
        } else if constexpr (std::is_same_v<Part, Octal>) {
            append(part);
        } else if constexpr (std::is_same_v<Part, bool>) {
            append(std::string_view(part ? "yes" : "no"));
        } else if constexpr (std::is_integral_v<Part> && std::is_signed_v<Part>) {
            append_signed(static_cast<long long>(part));
        } else if constexpr (std::is_integral_v<Part>) {
            append_unsigned(static_cast<unsigned long long>(part));
        } else if constexpr (std::is_convertible_v<const Part&,
                                                   std::span<const std::string_view>>) {
            append_list(part);
        } else {
            append(std::string_view(part));
        }
    }

    void append(std::string_view text);
    void append(SystemError error);
    void append(Octal number);
    void append_signed(long long value);
    void append_unsigned(unsigned long long value);
    // Items joined by ','.
    void append_list(std::span<const std::string_view> items);

    // Writes the line plus '\n' (or "\r\n") to `fd`, retrying on EINTR and short writes;
    // errors are ignored because there is nowhere left to report them.
    void write_to(int fd, bool carriage_return = false);

  private:
    std::array<char, 8192> text_;
    std::size_t size_ = 0;
};

class Diagnostics {
  public:
    // `carriage_return`: end lines with "\r\n", for a terminal that may be in raw mode (a
    // terminal session), where a bare '\n' would not return to the first column.
    explicit Diagnostics(bool debug_enabled, int fd = 2, bool carriage_return = false)
        : debug_enabled_(debug_enabled), fd_(fd), carriage_return_(carriage_return) {}

    // Parts are strings, integers, bools, SystemError, Octal, StatusDescription or a span of
    // names.
    template <typename... Parts>
    void error(const Parts&... parts) const {
        LogLine line;
        (line.add(parts), ...);
        line.write_to(fd_, carriage_return_);
    }

    template <typename... Parts>
    void debug(const Parts&... parts) const {
        if (!debug_enabled_) return;
        LogLine line;
        line.add("debug: ");
        (line.add(parts), ...);
        line.write_to(fd_, carriage_return_);
    }

  private:
    bool debug_enabled_;
    int fd_;
    bool carriage_return_;
};

}  // namespace bro::client
