#pragma once
// The server's own RLIMIT_NOFILE: the usual soft limit of 1024 holds only about 120 sessions,
// so at start-up the soft limit is raised (never above the hard one) to fit the sessions of
// every tool the process serves. Children get the original back (programs that use select()
// break on descriptors above 1024).

#include <sys/resource.h>

#include <cstddef>
#include <optional>

namespace bro::server {

// Raises the soft limit for `sessions` sessions; the limit before, when it was raised. Logs
// the raise, and warns when even the hard limit is too low (saying what to change).
std::optional<rlimit> raise_descriptor_limit(std::size_t sessions);

}  // namespace bro::server
