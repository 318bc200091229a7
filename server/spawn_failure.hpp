#pragma once
// How a child that never reached exec is reported: the step, its errno, and what it was doing,
// worded for the Exit frame ("execve /usr/bin/tool as uid 65534 ...", or for an operation of
// the execution profile "--ro-bind /data /data: stat /data").

#include <optional>
#include <string>

#include "core/exit_status.hpp"
#include "server/child_identity.hpp"

namespace bro::server {

namespace profile {
struct Operation;
}

struct SpawnFailure {
    ExitStatus status;
    std::string detail;
};

// What the child wrote down about its failed step (string literals and the request's or the
// profile's own strings).
struct FailedStep {
    SpawnStep step;
    int error;
    const char* call;
    const char* path;                     // nullptr: none
    const profile::Operation* operation;  // nullptr: not a profile operation
};

SpawnFailure spawn_failure(const FailedStep& failed, const std::optional<ChildIdentity>& identity);

}  // namespace bro::server
