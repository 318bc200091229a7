#pragma once
// What /proc says about a running process: its memory, CPU time and open descriptors.

#include <sys/types.h>

#include <string>

namespace bro::e2e {

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"), or -1.
long status_kib(pid_t pid, const std::string& field);

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid);
// The same plus the children it has reaped (cutime + cstime): a server and its programs.
double cpu_seconds_with_children(pid_t pid);
// The calling thread's CPU time, in seconds.
double thread_cpu_seconds();

// The entries of /proc/PID/fd; 0 when it cannot be read.
int open_fd_count(pid_t pid);

}  // namespace bro::e2e
