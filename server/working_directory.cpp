#include "server/working_directory.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "server/log_durations.hpp"

namespace bro::server {

ring::Task<WorkingDirectory> find_working_directory(CwdResolver& resolver,
                                                    const ServerConfig& config,
                                                    const protocol::Request& request,
                                                    int received_cwd,
                                                    const std::optional<ChildIdentity>& identity,
                                                    uid_t caller, std::uint64_t session_id) {
    WorkingDirectory where;
    // In a changed root the child looks the directory up inside it, by path (spawn_plan.cpp);
    // what the host has at that path says nothing about it.
    if (config.profile.changes_root() || config.profile.working_directory) {
        where.path = config.cwd_policy == CwdPolicy::kFixed ? config.fixed_cwd : request.cwd;
        co_return where;
    }
    ResolvedDirectory resolved;
    if (config.cwd_policy == CwdPolicy::kFixed) {
        where.path = config.fixed_cwd;
        resolved = co_await resolver.resolve(where.path, identity, caller);
    } else if (received_cwd >= 0) {
        where.path = request.cwd;
        resolved = co_await resolver.check(received_cwd, identity, caller);
    } else {
        where.path = request.cwd;
        resolved = co_await resolver.resolve(where.path, identity, caller);
    }
    where.fd = std::move(resolved.fd);
    where.error = resolved.error;
    if (where.error == ETIMEDOUT) {
        spdlog::info(
            "session {}: receiving: the working directory {} did not resolve within {} ms "
            "(--request-timeout): its filesystem does not answer (a hung mount?); going on "
            "without it",
            session_id, where.path, whole_milliseconds(resolver.limit()));
    } else if (where.error == EAGAIN) {
        spdlog::warn(
            "session {}: uid {} already has {} directory lookups waiting on hung filesystems; "
            "going on without the working directory {}",
            session_id, caller, CwdResolver::kStuckPerCaller, where.path);
    } else if (where.error != 0 && spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("session {}: the working directory {} is not usable here: {}", session_id,
                      where.path, std::strerror(where.error));
    }
    co_return where;
}

}  // namespace bro::server
