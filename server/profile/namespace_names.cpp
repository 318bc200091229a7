#include "server/profile/namespace_names.hpp"

#include <sched.h>

namespace bro::server::profile {

static_assert(kNamespaceFlagsInOrder[0] == CLONE_NEWUSER &&
              kNamespaceFlagsInOrder[1] == CLONE_NEWNS &&
              kNamespaceFlagsInOrder[2] == CLONE_NEWPID &&
              kNamespaceFlagsInOrder[3] == CLONE_NEWNET &&
              kNamespaceFlagsInOrder[4] == CLONE_NEWIPC &&
              kNamespaceFlagsInOrder[5] == CLONE_NEWUTS &&
              kNamespaceFlagsInOrder[6] == CLONE_NEWCGROUP);

const char* namespace_name(int clone_flag) {
    switch (clone_flag) {
        case CLONE_NEWUSER:
            return "user";
        case CLONE_NEWNS:
            return "mount";
        case CLONE_NEWPID:
            return "pid";
        case CLONE_NEWNET:
            return "net";
        case CLONE_NEWIPC:
            return "ipc";
        case CLONE_NEWUTS:
            return "uts";
        case CLONE_NEWCGROUP:
            return "cgroup";
        default:
            return "namespace";
    }
}

std::string namespace_list(int clone_flags) {
    std::string list;
    for (const int flag : kNamespaceFlagsInOrder) {
        if ((clone_flags & flag) == 0) continue;
        if (!list.empty()) list += ',';
        list += namespace_name(flag);
    }
    return list;
}

}  // namespace bro::server::profile
