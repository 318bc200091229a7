#include "ring/io_uring_refusal.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

namespace bro::ring {
namespace {

std::optional<long> read_number(const std::string& path) {
    std::ifstream in(path);
    long value = 0;
    if (!(in >> value)) return std::nullopt;
    return value;
}

const char* errno_name(int error) {
    switch (error) {
        case EPERM:
            return "EPERM";
        case EACCES:
            return "EACCES";
        case ENOSYS:
            return "ENOSYS";
        case ENOMEM:
            return "ENOMEM";
        case EINVAL:
            return "EINVAL";
        default:
            return "?";
    }
}

constexpr const char* kAllowCalls =
    "allow io_uring_setup, io_uring_enter and io_uring_register for bro-server";

}  // namespace

std::string explain_io_uring_refusal(int error, const std::string& sysctl_root) {
    std::string text = "bro-server needs io_uring, but io_uring_setup failed with ";
    text += std::strerror(error);
    text += std::string(" (") + errno_name(error) + "): ";
    const auto disabled = read_number(sysctl_root + "/kernel/io_uring_disabled");
    if (disabled == 2) {
        return text +
               "kernel.io_uring_disabled is 2, which turns io_uring off for every process; set "
               "it to 0 (sysctl -w kernel.io_uring_disabled=0, and in /etc/sysctl.d/ to keep "
               "it)";
    }
    if (disabled == 1 && (error == EPERM || error == EACCES)) {
        const auto group = read_number(sysctl_root + "/kernel/io_uring_group");
        return text + "kernel.io_uring_disabled is 1, which keeps io_uring to root and the group " +
               "kernel.io_uring_group (gid " + (group ? std::to_string(*group) : "?") +
               "); add the server's user to that group, or set kernel.io_uring_disabled=0";
    }
    const std::string sysctl =
        disabled ? "kernel.io_uring_disabled is " + std::to_string(*disabled)
                 : "this kernel has no kernel.io_uring_disabled setting (before 6.6)";
    if (error == EPERM || error == EACCES) {
        return text + sysctl +
               ", so a seccomp filter refuses it (a container runtime's default profile, "
               "systemd's SystemCallFilter=, ...): " +
               kAllowCalls;
    }
    if (error == ENOSYS) {
        return text + sysctl +
               ": the kernel was built without io_uring (CONFIG_IO_URING), or a seccomp filter "
               "answers ENOSYS; run on a kernel with io_uring (6.1 or later) or " +
               kAllowCalls;
    }
    if (error == ENOMEM) {
        return text +
               "not enough locked memory for the rings (RLIMIT_MEMLOCK counts them before Linux "
               "5.12); raise it (LimitMEMLOCK= in a systemd unit, ulimit -l)";
    }
    return text + "bro-server needs Linux 6.1 or later with io_uring enabled";
}

}  // namespace bro::ring
