#include "process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace bro::test {
namespace {

std::vector<char*> pointers(const std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (const auto& s : strings) result.push_back(const_cast<char*>(s.c_str()));
    result.push_back(nullptr);
    return result;
}

void check(int rc, const char* what) {
    if (rc != 0) throw std::system_error(rc, std::system_category(), what);
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
            posix_spawn_file_actions_t& actions) {
    auto args = pointers(argv);
    auto env = pointers(environment);
    pid_t pid = -1;
    check(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data()), "posix_spawn");
    return pid;
}

void read_all(int out_fd, int err_fd, ProcessResult& result) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    char buffer[65536];
    while (open_count > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::system_category(), "poll");
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
}

}  // namespace

bool ProcessResult::exited() const {
    return !timed_out && WIFEXITED(wait_status);
}
int ProcessResult::exit_code() const {
    return exited() ? WEXITSTATUS(wait_status) : -1;
}
bool ProcessResult::signaled() const {
    return !timed_out && WIFSIGNALED(wait_status);
}
int ProcessResult::signal() const {
    return signaled() ? WTERMSIG(wait_status) : 0;
}

long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    const std::string prefix = field + ":";
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    }
    return -1;
}

long peak_rss_of(pid_t pid) {
    return status_kib(pid, "VmHWM");
}

std::optional<int> wait_with_deadline(pid_t pid, std::chrono::milliseconds deadline,
                                      long* peak_rss_kib) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (peak_rss_kib) *peak_rss_kib = std::max(*peak_rss_kib, peak_rss_of(pid));
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return status;
        if (done < 0 && errno != EINTR) return std::nullopt;
        if (std::chrono::steady_clock::now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

ProcessResult run_process(const ProcessOptions& options) {
    int out[2], err[2], in[2] = {-1, -1};
    check(pipe2(out, O_CLOEXEC) ? errno : 0, "pipe2");
    check(pipe2(err, O_CLOEXEC) ? errno : 0, "pipe2");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options.stdin_data) {
        check(pipe2(in, O_CLOEXEC) ? errno : 0, "pipe2");
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    } else {
        posix_spawn_file_actions_addopen(
            &actions, 0, options.stdin_file.value_or("/dev/null").c_str(), O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    const pid_t pid = spawn(options.argv, options.environment, actions);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    std::thread writer;
    if (options.stdin_data) {
        close(in[0]);
        writer = std::thread([fd = in[1], &data = *options.stdin_data] {
            signal(SIGPIPE, SIG_IGN);
            std::size_t done = 0;
            while (done < data.size()) {
                const ssize_t n = write(fd, data.data() + done, data.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                done += static_cast<std::size_t>(n);
            }
            close(fd);
        });
    }
    ProcessResult result;
    std::thread watchdog([&, pid] {
        auto status = wait_with_deadline(pid, options.timeout, &result.peak_rss_kib);
        result.timed_out = !status;
        result.wait_status = status.value_or(0);
    });
    read_all(out[0], err[0], result);
    close(out[0]);
    close(err[0]);
    watchdog.join();
    if (writer.joinable()) writer.join();
    return result;
}

pid_t start_background(const std::vector<std::string>& argv,
                       const std::vector<std::string>& environment,
                       const std::string& stderr_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    const pid_t pid = spawn(argv, environment, actions);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

}  // namespace bro::test
