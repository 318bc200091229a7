#include "bench/e2e/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "bench/e2e/failure.hpp"

extern char** environ;

namespace bro::e2e {
namespace {

std::vector<std::string> inherited_environment(Inherit inherit) {
    std::vector<std::string> strings;
    for (char** e = environ; inherit == Inherit::kCallers && *e; ++e) {
        if (std::strncmp(*e, "BRO_", 4) == 0) continue;
        strings.emplace_back(*e);
    }
    return strings;
}

std::vector<std::string> concatenated(std::vector<std::string> first,
                                      const std::vector<std::string>& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

}  // namespace

ExecStrings::ExecStrings(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (auto& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
}

Environment::Environment(const std::vector<std::string>& extra, Inherit inherit)
    : strings_(concatenated(inherited_environment(inherit), extra)) {}

pid_t spawn(const Argv& argv, const Environment& env, Stdio stdio) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdio.in >= 0) {
        posix_spawn_file_actions_adddup2(&actions, stdio.in, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    if (stdio.out >= 0) {
        posix_spawn_file_actions_adddup2(&actions, stdio.out, 1);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    }
    if (stdio.quiet_stderr) {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid = -1;
    const int error = posix_spawn(&pid, argv.program(), &actions, nullptr, argv.get(), env.get());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) fail(errno_text(std::string("posix_spawn ") + argv.program(), error));
    return pid;
}

int wait_for(pid_t pid, double* cpu_seconds) {
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) fail(errno_text("wait4"));
    }
    if (cpu_seconds != nullptr) {
        const auto seconds = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
        };
        *cpu_seconds += seconds(usage.ru_utime) + seconds(usage.ru_stime);
    }
    return status;
}

void expect_success(int status, const char* what, int expected) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == expected) return;
    if (WIFEXITED(status))
        fail(std::string(what) + " exited with " + std::to_string(WEXITSTATUS(status)));
    fail(std::string(what) + " was killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace bro::e2e
