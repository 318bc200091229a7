#include "fault_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "core/unique_fd.hpp"

namespace bro::test {

void report_figure(const std::string& name, double value, const std::string& unit) {
    std::ostringstream text;
    text.precision(4);
    text << value << " " << unit;
    std::cout << "[figure] " << name << ": " << text.str() << std::endl;
    ::testing::Test::RecordProperty(name, text.str());
}

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Bytes content_request(std::string_view cwd, std::vector<std::string_view> arguments) {
    protocol::RequestView view;
    view.cwd = cwd;
    view.arguments = arguments;
    return request_frame(view);
}

Bytes fd_request(std::string_view cwd, std::vector<std::string_view> arguments) {
    protocol::RequestView view;
    view.mode = protocol::TransferMode::kFdPassing;
    view.cwd = cwd;
    view.arguments = arguments;
    return request_frame(view);
}

bool send_fd_request(RawConnection& connection, const Bytes& frame) {
    const UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    const int fds[3] = {null.get(), null.get(), null.get()};
    return connection.send_with_fds(frame, fds);
}

HeldConnections::HeldConnections(const std::string& socket_path, uid_t uid, gid_t gid, int count) {
    int ready[2], release[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(release, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2");
    }
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
        // The holder: raises its descriptor limit while still root, becomes the caller, opens
        // the connections, reports how many, and waits for the release.
        close(ready[0]);
        close(release[1]);
        const rlimit room{static_cast<rlim_t>(count) + 64, static_cast<rlim_t>(count) + 64};
        setrlimit(RLIMIT_NOFILE, &room);
        if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(uid, uid, uid) != 0) {
            _exit(1);
        }
        int opened = 0;
        for (int i = 0; i < count; ++i) {
            int fd = -1;
            // A full listen queue refuses at once: give the server a moment to accept.
            for (int attempt = 0; attempt < 200 && fd < 0; ++attempt) {
                fd = connect_unix_socket(socket_path);
                if (fd < 0 && errno == EAGAIN) usleep(5000);
                if (fd < 0 && errno != EAGAIN) break;
            }
            if (fd >= 0) ++opened;
        }
        (void)!write(ready[1], &opened, sizeof opened);
        char byte;
        (void)!read(release[0], &byte, 1);  // returns at end of file: the test let go
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    release_ = release[1];
    if (read(ready[0], &connected_, sizeof connected_) != sizeof connected_) connected_ = 0;
    close(ready[0]);
}

HeldConnections::~HeldConnections() {
    close(release_);
    wait_with_deadline(pid_, std::chrono::seconds(10));
}

std::optional<std::string> TestCgroup::unified_mount() {
    for (const char* candidate : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        struct statfs filesystem {};
        if (statfs(candidate, &filesystem) == 0 && filesystem.f_type == CGROUP2_SUPER_MAGIC) {
            return candidate;
        }
    }
    return std::nullopt;
}

TestCgroup::TestCgroup(const std::string& name) {
    const auto mount = unified_mount();
    if (!mount) throw std::runtime_error("cgroup2 is not mounted");
    path_ = *mount + "/" + name + "-" + std::to_string(getpid());
    if (mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
    }
}

TestCgroup::~TestCgroup() {
    // Children first (a server's session cgroups), then this one; cgroup.kill ends what is in
    // each, rmdir waits until it is empty.
    std::vector<std::string> directories;
    for (const auto& name : entries_of(path_)) {
        struct stat st {};
        const std::string child = path_ + "/" + name;
        if (stat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) directories.push_back(child);
    }
    directories.push_back(path_);
    for (const auto& directory : directories) {
        std::ofstream(directory + "/cgroup.kill") << "1";
        eventually([&] { return rmdir(directory.c_str()) == 0 || errno == ENOENT; },
                   std::chrono::seconds(5));
    }
}

bool TestCgroup::mark_delegated() const {
    return setxattr(path_.c_str(), "trusted.delegate", "1", 1, 0) == 0;
}

std::vector<std::string> TestCgroup::enter_prefix() const {
    return {"/bin/sh", "-c", "echo $$ > '" + path_ + "/cgroup.procs' && exec \"$0\" \"$@\""};
}

pid_t start_with_stdout(const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment, int stdout_fd,
                        const std::string& stderr_file) {
    std::vector<char*> args, env;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : environment) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("posix_spawn " + argv[0]);
    return pid;
}

std::vector<std::string> entries_of(const std::string& directory) {
    std::vector<std::string> names;
    DIR* dir = opendir(directory.c_str());
    if (dir == nullptr) return names;
    while (const dirent* entry = readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    closedir(dir);
    return names;
}

}  // namespace bro::test
