#pragma once
// What the child of one call starts with, decided from the server's configuration and the
// accepted request: argv, environment, descriptors, working directory, umask and identity.
// Pure: no I/O, no clock, no logging. Every input is a parameter, so each rule has a unit test
// (tests/server/spawn_plan_test.cpp), and the execution profile extends the plan here.

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env_policy.hpp"
#include "core/request_decoding.hpp"
#include "server/child_identity.hpp"
#include "server/peer_credentials.hpp"
#include "server/server_config.hpp"
#include "server/spawn_request.hpp"

namespace bro::server {

// What the server brings to every plan, fixed at start-up.
struct SpawnPolicy {
    const ServerConfig& config;
    const EnvPolicy& env_policy;
    const char* const* server_environment;  // environ: the source of --inherit-env
};

// The child's descriptors 0, 1 and 2, as the server holds them.
struct ChildStdioFds {
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    bool controlling_terminal = false;  // a terminal session's pseudo-terminal
};

// What one call brings.
struct SpawnInputs {
    const protocol::Request& request;
    const PeerCredentials& peer;
    ChildStdioFds stdio;
    // What each of request.files becomes in argv: content mode, the private copies; fd mode,
    // /dev/fd/N (plan_received_fds).
    std::span<const std::string> file_paths;
    std::vector<FdMapping> extra_fds = {};  // fd mode: files and forwarded fds, targets >= 3
    // The directory the child starts in, resolved by the server (working_directory.hpp): the
    // caller's, or --cwd DIR. -1: none; then the child enters the path itself.
    int cwd_fd = -1;
    // --cwd caller: where the child runs when the caller's directory does not exist here.
    std::string fallback_directory = "/";
    // The caller's directory did not resolve (missing, not enterable, a hung filesystem):
    // --cwd caller runs the child in fallback_directory straight away.
    bool cwd_unusable = false;
};

// Called with each forwarded variable the environment policy drops, for the log.
using RefusedVariable = std::function<void(std::string_view name)>;

SpawnRequest plan_spawn(const SpawnPolicy& policy, const SpawnInputs& inputs,
                        const RefusedVariable& on_refused = {});

// --user/--group/--groups, or the caller's own with --as-peer; nullopt: the server's.
std::optional<ChildIdentity> child_identity(const ServerConfig& config,
                                            const PeerCredentials& peer);

// fd mode: how the received descriptors (stdin, stdout, stderr, one per distinct file, the
// forwarded ones, then the caller's directory) become the child's. Files take the lowest free
// numbers from 3 up, skipping the forwarded numbers, and argv points at /dev/fd/N; forwarded
// fds keep their own numbers.
struct ReceivedFdPlan {
    ChildStdioFds stdio;
    std::vector<FdMapping> extra_fds;
    std::vector<std::string> file_paths;  // one per request.files entry
    int cwd_fd = -1;
};
ReceivedFdPlan plan_received_fds(const protocol::Request& request, std::span<const int> received);

}  // namespace bro::server
