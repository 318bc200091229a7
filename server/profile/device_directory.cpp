// --dev DEST, as bubblewrap builds it: a tmpfs, six device nodes bound from the host, the
// /proc/self/fd symlinks, shm and a private devpts instance (so the sandbox sees none of the
// host's terminals).

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "server/profile/child_path.hpp"
#include "server/profile/new_root.hpp"

namespace bro::server::profile {
namespace {

constexpr const char* kDeviceNodes[] = {"/null", "/zero", "/full", "/random", "/urandom", "/tty"};

struct DeviceSymlink {
    const char* name;
    const char* target;
};
constexpr DeviceSymlink kSymlinks[] = {
    {"/fd", "/proc/self/fd"},       {"/stdin", "/proc/self/fd/0"}, {"/stdout", "/proc/self/fd/1"},
    {"/stderr", "/proc/self/fd/2"}, {"/core", "/proc/kcore"},      {"/ptmx", "pts/ptmx"},
};

StepFailure failed(const Operation& operation, const char* call) {
    return {&operation, call, operation.destination.c_str(), errno};
}

StepFailure bind_device_node(const Operation& operation, const char* name) {
    char source[kChildPathMax];
    char target[kChildPathMax];
    if (!join_child_path(source, "/oldroot/dev", name) ||
        !join_child_path(target, operation.destination_path.c_str(), name)) {
        return failed(operation, "join path");
    }
    const int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0444);
    if (fd < 0) return failed(operation, "create a device node's mount point in");
    close(fd);
    if (mount(source, target, nullptr, MS_BIND, nullptr) != 0) {
        return failed(operation, "mount --bind a host device node into");
    }
    return {};
}

}  // namespace

StepFailure mount_device_directory(const Operation& operation) {
    const char* directory = operation.destination_path.c_str();
    if (!make_parent_directories(directory) || (mkdir(directory, 0755) != 0 && errno != EEXIST)) {
        return failed(operation, "mkdir -p");
    }
    if (mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0) {
        return failed(operation, "mount a tmpfs on");
    }
    for (const char* name : kDeviceNodes) {
        if (const StepFailure failure = bind_device_node(operation, name)) return failure;
    }
    char path[kChildPathMax];
    for (const auto& link : kSymlinks) {
        if (!join_child_path(path, directory, link.name) || symlink(link.target, path) != 0) {
            return failed(operation, "symlink in");
        }
    }
    if (!join_child_path(path, directory, "/shm") || mkdir(path, 0755) != 0) {
        return failed(operation, "mkdir shm in");
    }
    if (!join_child_path(path, directory, "/pts") || mkdir(path, 0755) != 0) {
        return failed(operation, "mkdir pts in");
    }
    if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=620") != 0) {
        return failed(operation, "mount a new devpts instance on pts in");
    }
    return {};
}

}  // namespace bro::server::profile
