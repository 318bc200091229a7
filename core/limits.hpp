#pragma once
// Bounds applied to everything a peer sends. The decoder refuses input beyond them, so no
// allocation is ever sized by an untrusted number larger than these.

#include <cstddef>
#include <cstdint>

namespace bro {

// The limits a server administrator can change (bro-server --max-*, server/limit_flags.hpp).
// A request beyond one is refused with a DecodeError naming it.
enum class Limit : std::uint8_t {
    kRequestBytes,
    kArguments,
    kArgumentBytes,
    kEnvironment,
    kEnvironmentBytes,
    kFileArguments,
    kFileBytes,
    kFds,
};

// Linux's SCM_MAX_FD: one sendmsg() carries at most this many descriptors.
inline constexpr std::size_t kMaxFdsPerMessage = 253;

struct ProtocolLimits {
    std::size_t max_request_bytes = 1 << 20;  // whole Request frame payload
    std::size_t max_arguments = 4096;         // argv entries after argv[0]
    // One argument: execve() refuses more than MAX_ARG_STRLEN (128 KiB) with its NUL.
    std::size_t max_argument_bytes = (128 << 10) - 1;
    std::size_t max_environment = 256;              // forwarded variables
    std::size_t max_environment_bytes = 128 << 10;  // names and values of all of them
    std::size_t max_file_arguments = 256;
    std::size_t max_file_bytes = std::size_t{16} << 30;  // all file contents (content mode)
    std::size_t max_fds = kMaxFdsPerMessage;             // descriptors per request (fd mode)
    std::size_t max_forwarded_fds = 16;                  // BRO_FORWARD_FDS entries (fd mode)
    std::uint32_t max_forwarded_fd_number = 1023;
    std::size_t max_path_bytes = 4096;     // cwd and file basenames
    std::size_t max_message_bytes = 4096;  // text in Error and Exit frames
};

// Largest payload of a data frame (stdin, stdout, stderr, file content). Senders use at most
// kDataChunkBytes; receivers accept up to kMaxDataFrameBytes so the two can evolve apart.
inline constexpr std::size_t kDataChunkBytes = 128 << 10;
inline constexpr std::size_t kMaxDataFrameBytes = 1 << 20;

// Descriptors an fd-mode Request carries: stdin, stdout, stderr, one per distinct file
// argument, one per forwarded fd, and the working directory's when it carries one.
constexpr std::size_t request_fd_count(std::size_t distinct_files, std::size_t forwarded_fds,
                                       bool carries_cwd) {
    return 3 + distinct_files + forwarded_fds + (carries_cwd ? 1 : 0);
}

// The most descriptors an fd-mode Request may carry under `limits`, and never more than
// max_fds (itself at most what one message holds). The receiver sizes its control buffer for
// exactly this many.
inline std::size_t max_request_fds(const ProtocolLimits& limits) {
    const std::size_t wanted =
        request_fd_count(limits.max_file_arguments, limits.max_forwarded_fds, true);
    const std::size_t cap = limits.max_fds < kMaxFdsPerMessage ? limits.max_fds : kMaxFdsPerMessage;
    return wanted < cap ? wanted : cap;
}

}  // namespace bro
