#include "ring/operations.hpp"

#include <sys/wait.h>

namespace bro::ring {

void WaitId::prepare(io_uring_sqe& sqe) {
    io_uring_prep_rw(kOpcode, &sqe, fd_, nullptr, P_PIDFD, 0);
    sqe.file_index = static_cast<std::uint32_t>(options_);
    sqe.addr2 = reinterpret_cast<std::uint64_t>(info_);
}

}  // namespace bro::ring
