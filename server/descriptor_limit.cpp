#include "server/descriptor_limit.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace bro::server {
namespace {

// A content-mode session holds up to this many descriptors (socket, stdin/stdout/stderr pipe
// ends, a splice pipe, the stdin probe, the pidfd), plus slack for the server itself.
constexpr rlim_t kDescriptorsPerSession = 8;
constexpr rlim_t kServerDescriptors = 64;

}  // namespace

std::optional<rlimit> raise_descriptor_limit(std::size_t sessions) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return {};
    const rlim_t needed = kDescriptorsPerSession * sessions + kServerDescriptors;
    if (limit.rlim_cur >= needed) return {};
    const rlimit original = limit;
    std::optional<rlimit> raised_from;
    limit.rlim_cur = std::min(needed, limit.rlim_max);
    if (limit.rlim_cur > original.rlim_cur && setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        spdlog::info("raised the descriptor limit from {} to {} for --max-sessions {}",
                     original.rlim_cur, limit.rlim_cur, sessions);
        raised_from = original;
    } else {
        limit = original;
    }
    if (limit.rlim_cur >= needed) return raised_from;
    spdlog::warn(
        "--max-sessions {} may need {} descriptors, but RLIMIT_NOFILE is {} (hard limit {}): "
        "sessions beyond about {} will fail; raise the limit (LimitNOFILE= in a systemd unit, "
        "ulimit -Hn) or lower --max-sessions",
        sessions, needed, limit.rlim_cur, limit.rlim_max,
        (limit.rlim_cur > kServerDescriptors ? limit.rlim_cur - kServerDescriptors : 0) /
            kDescriptorsPerSession);
    return raised_from;
}

}  // namespace bro::server
