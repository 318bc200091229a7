#include "server/descriptor_limit.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace bro::server {

std::optional<rlimit> raise_descriptor_limit(std::size_t sessions, DescriptorBudget& budget) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return {};
    const rlim_t per_session = DescriptorBudget::kPerSession;
    const rlim_t reserved = budget.reserved();
    const rlim_t needed = per_session * sessions + reserved;
    budget.set_limit(limit.rlim_cur);
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
    budget.set_limit(limit.rlim_cur);
    if (limit.rlim_cur >= needed) return raised_from;
    spdlog::warn(
        "--max-sessions {} may need {} descriptors, but RLIMIT_NOFILE is {} (hard limit {}): "
        "callers beyond about {} sessions at once are told the server is busy; raise the limit "
        "(LimitNOFILE= in a systemd unit, ulimit -Hn) or lower --max-sessions",
        sessions, needed, limit.rlim_cur, limit.rlim_max,
        (limit.rlim_cur > reserved ? limit.rlim_cur - reserved : 0) / per_session);
    return raised_from;
}

}  // namespace bro::server
