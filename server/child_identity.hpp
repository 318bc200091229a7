#pragma once
// The credentials a child switches to before exec (--user/--group/--groups, --as-peer).
// Resolved by the parent: the child runs on the parent's memory (CLONE_VM) and may not look
// anything up itself.

#include <sys/types.h>

#include <vector>

namespace bro::server {

struct ChildIdentity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups = {};  // supplementary groups, set exactly (may be empty)
};

}  // namespace bro::server
