#pragma once
// The audit record: one log line at info for every call that sent a request, whatever became
// of it, written when the session ends. Fields are key=value, values quoted when they hold
// anything but plain characters, so a line parses back unambiguously:
//
//   call tool=cc uid=1000 gid=1000 pid=4242 unit=session-2.scope mode=content argc=3
//        cwd=/home/me/src outcome="exited 0" ms=12.4 in=5120 out=88
//
// The arguments appear only with --log-arguments (they may hold secrets).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bro::server {

struct CallRecord {
    std::string tool;  // empty for a command-line tool
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string cgroup;  // the caller's cgroup, empty when unknown
    std::string mode;    // "content" or "fd"
    std::size_t argument_count = 0;
    std::optional<std::vector<std::string>> arguments;  // with --log-arguments
    std::string cwd;
    std::string outcome;  // "exited 0", "killed by signal 9", "refused: ...", ...
    std::chrono::nanoseconds duration{0};
    std::uint64_t bytes_in = 0;   // file arguments and stdin, from the caller
    std::uint64_t bytes_out = 0;  // stdout and stderr, to the caller
};

std::string format_call_record(const CallRecord& record);

// `text` as a record value: as is when it is plain (letters, digits, and - _ . / : , + @ =),
// else in double quotes with ", \ and control bytes escaped (\", \\, \n, \xNN).
std::string record_value(const std::string& text);

}  // namespace bro::server
