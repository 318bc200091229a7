#pragma once
// The lock-down stage's capability work, in the child, after the identity switch: every set
// (bounding, permitted, effective, inheritable, ambient) made equal to the kept set, then read
// back, so a program never starts with a capability the profile did not leave it (broot's
// "drop and verify"). Raw system calls only.

#include <cstdint>

#include "server/profile/child_failure.hpp"
#include "server/profile/operation.hpp"

namespace bro::server::profile {

// What the program would have without the profile: a root child (uid 0 after the identity
// switch) everything still permitted, any other child nothing.
std::uint64_t baseline_capabilities();

// --cap-add/--cap-drop applied to `kept`.
std::uint64_t change_capabilities(std::uint64_t kept, const Operation& operation, int last);

// kApplyCapabilities: sets and verifies; `last` is the kernel's last capability.
StepFailure apply_capabilities(const Operation& operation, std::uint64_t kept, int last);

// kLockSecurebits: SECBIT_NOROOT and SECBIT_NO_SETUID_FIXUP, set and locked.
StepFailure lock_securebits(const Operation& operation);

}  // namespace bro::server::profile
