#pragma once
// Joining paths in the child, which may not allocate: into a fixed buffer on its stack.

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace bro::server::profile {

inline constexpr std::size_t kChildPathMax = 4096;

// out = first + second. False (errno ENAMETOOLONG) when it does not fit.
inline bool join_child_path(char (&out)[kChildPathMax], const char* first, const char* second) {
    const std::size_t a = std::strlen(first);
    const std::size_t b = std::strlen(second);
    if (a + b + 1 > kChildPathMax) {
        errno = ENAMETOOLONG;
        return false;
    }
    std::memcpy(out, first, a);
    std::memcpy(out + a, second, b + 1);
    return true;
}

}  // namespace bro::server::profile
