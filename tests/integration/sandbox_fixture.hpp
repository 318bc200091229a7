#pragma once
// What the execution profile tests share: a bro-server for /bin/sh started with profile flags,
// and calls that run a shell script inside its sandbox through bro-client, in either transfer
// mode. Namespaces and mounts need root: the tests skip without it (CI runs as root).

#include <sys/types.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bro_fixture.hpp"

namespace bro::test {

class SandboxTest : public ::testing::Test {
  protected:
    void SetUp() override;

    // Starts bro-server for `executable` with the `profile` flags, both transfer modes accepted
    // and its session directories in dir/sessions.
    const BroServer& start(const std::vector<std::string>& profile,
                           const std::string& executable = "/bin/sh");
    // `sh -c script` through bro-client pinned to `mode` ("content" or "fd"), run from `cwd`
    // (default: the temp dir) with BRO_FILE_ARGS=1, so readable file arguments are sent.
    ProcessResult call(const std::string& mode, const std::string& script,
                       const std::vector<std::string>& arguments = {},
                       const std::string& cwd = {}) const;
    // The call in both modes; a test failure unless both exit 0 with the same output. Returns
    // the content mode's output.
    std::string in_both_modes(const std::string& script) const;
    // The sandbox holder's pid, from the server's log (0 when it logged none).
    pid_t holder_pid() const;

    TempDir dir;
    std::unique_ptr<BroServer> server;
};

// The lines of `text` that contain `part`, each ending in a newline.
std::string lines_with(const std::string& text, const std::string& part);
// readlink() of /proc/PID/ns/NAME ("net:[4026531840]"); PID 0: this process.
std::string namespace_of(pid_t pid, const std::string& name);
// Mount points in this process's (the host's) mount namespace.
std::size_t host_mount_count();

}  // namespace bro::test
