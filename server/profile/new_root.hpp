#pragma once
// The build stage's filesystem operations, carried out by the sandbox holder in its own mount
// namespace, the way bubblewrap's setup_newroot does: an empty tmpfs (or --pivot-root DIR)
// becomes /newroot, the host moves to /oldroot, each operation mounts or creates under
// /newroot taking its sources from /oldroot, then the host is detached and /newroot becomes
// "/". Missing parent directories of a destination are created (0755).
//
// Child-side code: raw system calls only, no allocation (paths are joined on the stack).

#include "server/profile/child_failure.hpp"
#include "server/profile/operation.hpp"

namespace bro::server::profile {

// Carries out one of kMakeMountsSlave, kCreateRoot, kBind, kRemountReadOnly, kMountTmpfs,
// kMountProc, kMountDev, kMountMqueue, kMakeDirectory, kMakeSymlink, kChangeMode and
// kSwitchRoot.
StepFailure apply_filesystem_operation(const Operation& operation);

// --dev: a tmpfs with the host's harmless device nodes bound in, the usual symlinks and a new
// devpts instance (device_directory.cpp).
StepFailure mount_device_directory(const Operation& operation);

// mkdir -p for the parents of `path` (not `path` itself), mode 0755. False with errno set.
bool make_parent_directories(const char* path);

}  // namespace bro::server::profile
