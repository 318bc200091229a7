#pragma once
// Runs a real program with given argv, environment and stdin, collects stdout and stderr
// concurrently (so a program that fills one pipe cannot block the other) and its wait status.
// Every wait is bounded: a process still running at the deadline is killed and reported.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bro::test {

struct ProcessResult {
    std::string out;
    std::string err;
    int wait_status = 0;
    bool timed_out = false;
    // Peak resident set (VmHWM) of the program itself, sampled from /proc while it runs.
    // (wait4's ru_maxrss would include the spawning test process, which posix_spawn's vfork
    // child shares until exec.)
    long peak_rss_kib = 0;

    bool exited() const;
    int exit_code() const;  // -1 unless exited()
    bool signaled() const;
    int signal() const;  // 0 unless signaled()
};

struct ProcessOptions {
    std::vector<std::string> argv = {};
    std::vector<std::string> environment = {};   // NAME=value, the complete environment
    std::optional<std::string> stdin_file = {};  // default: /dev/null
    std::optional<std::string> stdin_data = {};  // written through a pipe instead
    std::chrono::seconds timeout{60};
};

ProcessResult run_process(const ProcessOptions& options);

// Starts a process in the background with stdin/stdout/stderr on /dev/null and the given log
// file for stderr; the caller owns the pid.
pid_t start_background(const std::vector<std::string>& argv,
                       const std::vector<std::string>& environment, const std::string& stderr_file);

// waitpid with a deadline; kills with SIGKILL at the deadline. Returns the wait status, and
// records the process's peak RSS in `peak_rss_kib` when given.
std::optional<int> wait_with_deadline(pid_t pid, std::chrono::milliseconds deadline,
                                      long* peak_rss_kib = nullptr);
// VmHWM of a running process in KiB, or -1.
long peak_rss_of(pid_t pid);
// A "kB" line of /proc/<pid>/status (VmRSS, VmHWM, ...), or -1 when missing.
long status_kib(pid_t pid, const std::string& field);

}  // namespace bro::test
