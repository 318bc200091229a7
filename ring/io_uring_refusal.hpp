#pragma once
// Why io_uring_setup() was refused and what to do about it, in one line: the kernel's
// kernel.io_uring_disabled sysctl (6.6: 1 limits io_uring to kernel.io_uring_group, 2 turns it
// off), a seccomp filter (container runtimes' default profiles, systemd's SystemCallFilter=),
// a kernel built without it, or locked-memory limits on kernels before 5.12.

#include <stdexcept>
#include <string>

namespace bro::ring {

// Thrown by Ring's constructor when no ring can be set up at all.
struct RingUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `error`: the errno io_uring_setup failed with. `sysctl_root`: where kernel/io_uring_* are
// read (tests point it elsewhere).
std::string explain_io_uring_refusal(int error, const std::string& sysctl_root = "/proc/sys");

}  // namespace bro::ring
