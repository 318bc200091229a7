#include "server/spawn_plan.hpp"

#include <algorithm>

#include "server/run_as.hpp"

namespace bro::server {
namespace {

std::vector<std::string> child_argv(const ServerConfig& config, const SpawnInputs& inputs) {
    const protocol::Request& request = inputs.request;
    std::vector<std::string> argv;
    argv.reserve(1 + config.prepend_args.size() + request.arguments.size());
    argv.push_back(config.argv0.empty() ? config.executable : config.argv0);
    argv.insert(argv.end(), config.prepend_args.begin(), config.prepend_args.end());
    // File arguments index the client's arguments: skip argv[0] and the fixed ones.
    const std::size_t first_client_argument = argv.size();
    argv.insert(argv.end(), request.arguments.begin(), request.arguments.end());
    for (std::size_t i = 0; i < request.files.size(); ++i) {
        const auto& file = request.files[i];
        auto& argument = argv[first_client_argument + file.argument_index];
        argument = argument.substr(0, file.path_offset) + inputs.file_paths[i];
    }
    return argv;
}

// The allowed variables plus BRO_PEER_UID/GID/PID, which only the server sets.
std::vector<std::string> child_environment(const SpawnPolicy& policy, const SpawnInputs& inputs,
                                           const RefusedVariable& on_refused) {
    const auto report = [&](std::string_view name) {
        if (on_refused) on_refused(name);
    };
    auto environment = policy.env_policy.build_child_environment(inputs.request.environment,
                                                                 policy.server_environment, report);
    // The policy let no BRO_PEER_* variable through: these are the only ones.
    environment.push_back("BRO_PEER_UID=" + std::to_string(inputs.peer.uid));
    environment.push_back("BRO_PEER_GID=" + std::to_string(inputs.peer.gid));
    environment.push_back("BRO_PEER_PID=" + std::to_string(inputs.peer.pid));
    return environment;
}

// --cwd: where the child starts, and where it may fall back to.
void choose_directory(const ServerConfig& config, const SpawnInputs& inputs, SpawnRequest& spawn) {
    if (config.cwd_policy == CwdPolicy::kFixed) {
        spawn.working_directory_fd = inputs.cwd_fd;
        spawn.working_directory = config.fixed_cwd;
        return;
    }
    if (inputs.cwd_unusable && config.cwd_policy == CwdPolicy::kCaller) {
        spawn.working_directory = inputs.fallback_directory;
        return;
    }
    spawn.working_directory_fd = inputs.cwd_fd;
    spawn.working_directory = inputs.request.cwd;
    if (config.cwd_policy == CwdPolicy::kCaller)
        spawn.fallback_directory = inputs.fallback_directory;
}

// In a changed root (a sandbox's, --chroot) the caller's directory is looked up by path
// inside it, never entered through the descriptor fd mode passes: that directory lies outside
// the new root and would let the program escape it (the smuggling dived documents). What does
// not exist inside falls back or is refused as --cwd says. --chdir replaces the caller's
// directory.
void keep_directory_inside_root(const profile::ExecutionProfile& profile, SpawnRequest& spawn) {
    if (profile.working_directory) {
        spawn.working_directory = *profile.working_directory;
        spawn.working_directory_fd = -1;
        spawn.fallback_directory.clear();
    } else if (profile.changes_root()) {
        spawn.working_directory_fd = -1;
    }
}

}  // namespace

std::optional<ChildIdentity> child_identity(const ServerConfig& config,
                                            const PeerCredentials& peer) {
    if (config.run_as_peer) return identity_of_peer(peer);
    return config.run_as;
}

SpawnRequest plan_spawn(const SpawnPolicy& policy, const SpawnInputs& inputs,
                        const RefusedVariable& on_refused) {
    const ServerConfig& config = policy.config;
    SpawnRequest spawn;
    spawn.executable = config.executable;
    spawn.argv = child_argv(config, inputs);
    spawn.environment = child_environment(policy, inputs, on_refused);
    spawn.stdin_fd = inputs.stdio.stdin_fd;
    spawn.stdout_fd = inputs.stdio.stdout_fd;
    spawn.stderr_fd = inputs.stdio.stderr_fd;
    spawn.controlling_terminal = inputs.stdio.controlling_terminal;
    spawn.extra_fds = inputs.extra_fds;
    choose_directory(config, inputs, spawn);
    keep_directory_inside_root(config.profile, spawn);
    spawn.umask = inputs.request.umask;
    spawn.identity = child_identity(config, inputs.peer);
    return spawn;
}

ReceivedFdPlan plan_received_fds(const protocol::Request& request, std::span<const int> received) {
    const auto& forwarded = request.forwarded_fds;
    const auto is_forwarded = [&](int number) {
        return std::find(forwarded.begin(), forwarded.end(), number) != forwarded.end();
    };
    ReceivedFdPlan plan;
    plan.stdio = {received[0], received[1], received[2], false};
    int next_target = 3;
    std::size_t next_fd = 3;  // one received descriptor per distinct file, in order
    for (const auto& file : request.files) {
        if (!file.own_file()) {  // named earlier: the same descriptor serves both arguments
            plan.file_paths.push_back(plan.file_paths[file.same_as]);
            continue;
        }
        while (is_forwarded(next_target)) ++next_target;
        plan.extra_fds.push_back({received[next_fd++], next_target});
        plan.file_paths.push_back("/dev/fd/" + std::to_string(next_target++));
    }
    for (const std::uint32_t number : forwarded) {
        plan.extra_fds.push_back({received[next_fd++], static_cast<int>(number)});
    }
    if (request.carries_cwd) plan.cwd_fd = received[next_fd];
    return plan;
}

}  // namespace bro::server
