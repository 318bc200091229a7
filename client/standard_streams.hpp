#pragma once
// fds 0-2 are made valid before anything else runs, so no socket or file the client opens can
// land on them and be mistaken for stdio (s6-sudoc does the same).

#include <array>

namespace bro::client {

struct StandardStreamRepair {
    bool failed = false;  // /dev/null could not be opened: nothing can be reported, exit 125
    std::array<bool, 3> was_closed{};  // was_closed[0]: the caller gave no stdin at all
};

// Opens /dev/null onto each closed fd among 0, 1 and 2 (one poll() to find them).
StandardStreamRepair repair_standard_streams();

}  // namespace bro::client
