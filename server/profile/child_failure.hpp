#pragma once
// How the child-side profile code reports a failed step without allocating or throwing: the
// operation, the system call, the path the operator gave and errno, bubblewrap-style
// ("--ro-bind /data /data: mount /data: No such file or directory"). The spawner turns it into
// the call's SpawnFailure; the sandbox holder sends it to the server through a pipe.

namespace bro::server::profile {

struct Operation;

struct StepFailure {
    const Operation* operation = nullptr;  // nullptr: the step succeeded
    const char* call = nullptr;            // a string literal: "mount", "setns", ...
    const char* path = nullptr;            // the operator's path (a string of the profile)
    int error = 0;

    explicit operator bool() const { return operation != nullptr; }
};

}  // namespace bro::server::profile
