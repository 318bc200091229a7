#pragma once
// The server's own RLIMIT_NOFILE: the usual soft limit of 1024 holds only about 60 sessions,
// so at start-up the soft limit is raised (never above the hard one) to fit the sessions of
// every tool the process serves. Children get the original back (programs that use select()
// break on descriptors above 1024). The limit reached is what admission counts descriptors
// against (descriptor_budget.hpp).

#include <sys/resource.h>

#include <cstddef>
#include <optional>

#include "server/descriptor_budget.hpp"

namespace bro::server {

// Raises the soft limit for `sessions` sessions and the descriptors `budget` reserves, then
// gives `budget` the limit. Returns the limit before, when it was raised. Logs the raise, and
// warns when even the hard limit is too low (saying what to change).
std::optional<rlimit> raise_descriptor_limit(std::size_t sessions, DescriptorBudget& budget);

}  // namespace bro::server
