#include "server/profile_commands.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "core/env_policy.hpp"
#include "server/run_as.hpp"
#include "server/spawn_plan.hpp"
#include "server/spawner.hpp"
#include "server/status_text.hpp"

extern char** environ;

namespace bro::server {
namespace {

// This process as a caller: --as-peer runs the trial as whoever runs bro-server.
PeerCredentials this_process() {
    PeerCredentials self{getpid(), getuid(), getgid(), {}};
    const int count = getgroups(0, nullptr);
    self.groups.resize(count > 0 ? static_cast<std::size_t>(count) : 0);
    if (count > 0) getgroups(count, self.groups.data());
    return self;
}

ExitStatus wait_for(ChildProcess& child) {
    siginfo_t info{};
    while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd()), &info,
                  WEXITED) != 0) {
        if (errno != EINTR) return ExitStatus::signaled(SIGKILL, false);
    }
    child.mark_reaped();
    return exit_status_from_waitid(info.si_code, info.si_status);
}

// --run: the terminal's Ctrl-C and a kill of bro-server reach the program's process group (it
// leads its own session), and bro-server waits for it to end.
ExitStatus wait_forwarding_signals(ChildProcess& child, int signals) {
    for (;;) {
        pollfd events[2] = {{child.pidfd(), POLLIN, 0}, {signals, POLLIN, 0}};
        if (poll(events, 2, -1) < 0 && errno != EINTR) break;
        if (events[0].revents != 0) break;
        signalfd_siginfo info{};
        if (events[1].revents != 0 && read(signals, &info, sizeof info) == sizeof info) {
            child.kill_group(static_cast<int>(info.ssi_signo));
        }
    }
    return wait_for(child);
}

SpawnRequest trial_request(const ServerConfig& config, int null_fd) {
    SpawnRequest request;
    request.executable = config.executable;
    request.argv = {config.argv0.empty() ? config.executable : config.argv0};
    request.stdin_fd = request.stdout_fd = request.stderr_fd = null_fd;
    request.working_directory = config.cwd_policy == CwdPolicy::kFixed ? config.fixed_cwd : "/";
    if (config.profile.working_directory)
        request.working_directory = *config.profile.working_directory;
    request.identity = child_identity(config, this_process());
    request.dry_run = true;
    return request;
}

}  // namespace

std::string command_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::string directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    for (std::size_t start = 0; start <= directories.size();) {
        const auto end = std::min(directories.find(':', start), directories.size());
        const std::string candidate =
            (end == start ? "." : directories.substr(start, end - start)) + "/" + name;
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        start = end + 1;
    }
    return name;
}

int check_profile(const ServerConfig& config, std::ostream& out) {
    out << profile::describe_profile(config.profile) << "\n";
    try {
        profile::Sandbox sandbox(config.profile);
        Spawner spawner;
        if (!config.profile.empty()) spawner.use_sandbox(sandbox);
        const UniqueFd null_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
        auto spawned = spawner.spawn(trial_request(config, null_fd.get()));
        ExitStatus status;
        std::string detail;
        if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
            status = failure->status;
            detail = failure->detail;
        } else {
            status = wait_for(std::get<ChildProcess>(spawned));
        }
        if (status == ExitStatus::exited(0)) {
            out << "ok: a throwaway child went through every step of a call, and "
                << config.executable << " can be executed there\n";
            return 0;
        }
        out << "FAILED: the child " << status_text(status, detail) << "\n";
    } catch (const std::exception& e) {
        out << "FAILED: could not build the sandbox: " << e.what() << "\n";
    }
    return 1;
}

int run_with_profile(const ServerConfig& config) {
    sigset_t forwarded;
    sigemptyset(&forwarded);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        sigaddset(&forwarded, signal_number);
    sigprocmask(SIG_BLOCK, &forwarded, nullptr);
    const UniqueFd signals(signalfd(-1, &forwarded, SFD_CLOEXEC));
    try {
        profile::Sandbox sandbox(config.profile);
        Spawner spawner;
        if (!config.profile.empty()) spawner.use_sandbox(sandbox);
        protocol::Request request;
        char cwd[4096];
        request.cwd = getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/";
        request.umask = static_cast<std::uint16_t>(umask(022));
        umask(request.umask);
        for (char** variable = environ; *variable != nullptr; ++variable) {
            const std::string entry = *variable;
            const auto equals = entry.find('=');
            if (equals != std::string::npos) {
                request.environment.push_back({entry.substr(0, equals), entry.substr(equals + 1)});
            }
        }
        const EnvPolicy env_policy(config.allowed_env, config.inherit_env,
                                   config.allow_dangerous_env);
        const PeerCredentials self = this_process();
        const SpawnRequest plan = plan_spawn({config, env_policy, environ},
                                             {request, self, {0, 1, 2, false}, {}, {}, -1, "/"});
        auto spawned = spawner.spawn(plan);
        if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
            std::cerr << "bro-server --run: the program "
                      << status_text(failure->status, failure->detail) << "\n";
            return failure->status.shell_code();
        }
        return wait_forwarding_signals(std::get<ChildProcess>(spawned), signals.get()).shell_code();
    } catch (const std::exception& e) {
        std::cerr << "bro-server --run: could not build the sandbox: " << e.what() << "\n";
        return 126;
    }
}

}  // namespace bro::server
