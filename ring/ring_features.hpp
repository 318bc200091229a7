#pragma once
// Kernel io_uring capabilities, probed once when a Ring starts.

#include <string>

namespace bro::ring {

struct RingFeatures {
    bool waitid = false;            // IORING_OP_WAITID, kernel 6.7
    bool multishot_accept = false;  // kernel 5.19
    bool cancel_by_fd = false;      // IORING_ASYNC_CANCEL_FD|ALL, kernel 5.19
    bool defer_taskrun = false;     // IORING_SETUP_DEFER_TASKRUN, kernel 6.1
    bool single_issuer = false;     // IORING_SETUP_SINGLE_ISSUER, kernel 6.0

    std::string describe() const;
};

}  // namespace bro::ring
