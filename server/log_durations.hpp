#pragma once
// Durations as the log lines give them: whole milliseconds, next to the flag that set them.

#include <chrono>

namespace bro::server {

inline long long whole_milliseconds(std::chrono::nanoseconds duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace bro::server
