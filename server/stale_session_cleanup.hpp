#pragma once
// Removes the session directories (session_directory.hpp) that a bro-server which died without
// cleaning up (SIGKILL, crash, power loss) left in --tmpdir. Run once at start-up, before the
// first session.
//
// A directory is removed only when all of these hold:
//   - its name is bro-<pid>-<session>-XXXXXX, exactly as SessionDirectory makes it;
//   - it is a real directory (not a symlink) owned by this process's effective uid;
//   - <pid> is not this process, and no live bro-server has it: the pid does not exist, is a
//     zombie (a killed server its parent has not reaped yet), or /proc/<pid>/exe names a
//     program with another file name than ours (the pid was reused).
//     A pid whose program cannot be read is treated as a live server and left alone.
// Removal walks with openat/unlinkat and O_NOFOLLOW, so a symlink inside is removed, never
// followed, and nothing outside the directory is touched.

#include <string>
#include <vector>

namespace bro::server {

struct StaleCleanupResult {
    std::vector<std::string> removed;  // full paths
    std::vector<std::string> errors;   // "path: what failed", for the log
};

StaleCleanupResult remove_stale_session_directories(const std::string& tmpdir);

}  // namespace bro::server
