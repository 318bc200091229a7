#pragma once
// Names of namespace types, as --check prints them and --setns reports a file's type.

#include <string>

namespace bro::server::profile {

// The CLONE_NEW* flags the profile can create, in the order the kernel enters them.
inline constexpr int kNamespaceFlagsInOrder[] = {0x10000000 /* CLONE_NEWUSER */,
                                                 0x00020000 /* CLONE_NEWNS */,
                                                 0x20000000 /* CLONE_NEWPID */,
                                                 0x40000000 /* CLONE_NEWNET */,
                                                 0x08000000 /* CLONE_NEWIPC */,
                                                 0x04000000 /* CLONE_NEWUTS */,
                                                 0x02000000 /* CLONE_NEWCGROUP */};

// "user", "mount", "pid", "net", "ipc", "uts", "cgroup" (the names of /proc/PID/ns/ entries,
// except mount for mnt); "namespace" for anything else.
const char* namespace_name(int clone_flag);

// "user,mount,pid" for a set of CLONE_NEW* flags.
std::string namespace_list(int clone_flags);

}  // namespace bro::server::profile
