#pragma once
// The one clock every measurement reads: monotonic, in seconds.

#include <time.h>

namespace bro::e2e {

inline double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace bro::e2e
