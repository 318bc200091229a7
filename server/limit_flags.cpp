#include "server/limit_flags.hpp"

#include <array>
#include <cassert>

namespace bro::server {
namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;
constexpr std::size_t kGiB = 1024 * kMiB;

// Ranges: the lower ends keep a working server (a request needs its header, fd mode its three
// standard streams); the upper ends keep one request from holding unbounded memory (everything
// but file contents is held in memory while a request is decoded) and respect the kernel:
// execve() refuses an argument of more than MAX_ARG_STRLEN (128 KiB), sendmsg() more than
// SCM_MAX_FD descriptors.
constexpr std::array kFlags{
    LimitFlag{Limit::kRequestBytes, "max-request-bytes", &ProtocolLimits::max_request_bytes, 64,
              64 * kMiB,
              "largest request (arguments, environment, file names) in bytes; a connection "
              "sending more is refused"},
    LimitFlag{Limit::kArguments, "max-args", &ProtocolLimits::max_arguments, 0, 1 << 20,
              "most arguments a request may pass (after argv[0])"},
    LimitFlag{Limit::kArgumentBytes, "max-arg-bytes", &ProtocolLimits::max_argument_bytes, 1,
              128 * kKiB - 1,
              "longest single argument in bytes (execve() refuses longer "
              "ones)"},
    LimitFlag{Limit::kEnvironment, "max-env", &ProtocolLimits::max_environment, 0, 1 << 16,
              "most environment variables a request may forward"},
    LimitFlag{Limit::kEnvironmentBytes, "max-env-bytes", &ProtocolLimits::max_environment_bytes, 0,
              16 * kMiB, "most bytes of forwarded variable names and values together"},
    LimitFlag{Limit::kFileArguments, "max-file-args", &ProtocolLimits::max_file_arguments, 0,
              1 << 16, "most file arguments a request may pass"},
    LimitFlag{Limit::kFileBytes, "max-file-bytes", &ProtocolLimits::max_file_bytes, 0,
              16 * 1024 * kGiB,
              "most bytes of file-argument content one request may upload in content mode (the "
              "copies in --tmpdir)"},
    LimitFlag{Limit::kFds, "max-fds", &ProtocolLimits::max_fds, 3, kMaxFdsPerMessage,
              "most descriptors one fd-passing request may pass: 3 standard streams, one per "
              "file argument and forwarded fd, and the working directory (253 is Linux's "
              "SCM_MAX_FD)"},
};

const LimitFlag& limit_flag(Limit limit) {
    for (const auto& flag : kFlags) {
        if (flag.limit == limit) return flag;
    }
    assert(false && "every Limit has a flag");
    return kFlags.front();
}

}  // namespace

std::span<const LimitFlag> limit_flags() {
    return kFlags;
}

std::string limit_hint(Limit limit) {
    return std::string(" (set by bro-server --") + limit_flag(limit).flag + ")";
}

}  // namespace bro::server
