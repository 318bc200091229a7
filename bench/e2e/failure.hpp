#pragma once
// How the bench fails: every error is an exception that main() prints as one line and turns
// into exit status 1.

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bro::e2e {

[[noreturn]] inline void fail(const std::string& message) {
    throw std::runtime_error(message);
}

// "what: strerror(error)", for a failed system call and its argument.
inline std::string errno_text(const std::string& what, int error = errno) {
    return what + ": " + std::strerror(error);
}

}  // namespace bro::e2e
