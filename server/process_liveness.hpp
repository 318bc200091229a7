#pragma once
// Whether a process whose pid a file name records (a session directory, a session cgroup) is
// gone: no such process, or a zombie, dead but not yet reaped by its parent (kill(pid, 0)
// still succeeds for one, which once made a just-killed server look alive). A process whose
// state cannot be read is taken for alive.

#include <sys/types.h>

namespace bro::server {

bool process_gone(pid_t pid);

}  // namespace bro::server
