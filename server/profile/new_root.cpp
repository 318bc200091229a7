#include "server/profile/new_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/profile/child_path.hpp"

namespace bro::server::profile {
namespace {

// Where the holder builds: a tmpfs over /tmp in its own mount namespace (bubblewrap's choice;
// the host's /tmp is untouched and still reachable under /oldroot/tmp).
constexpr const char* kStaging = "/tmp";
constexpr const char* kStagingNewRoot = "/tmp/newroot";
constexpr const char* kStagingOldRoot = "/tmp/oldroot";

StepFailure failed(const Operation& operation, const char* call, const std::string& path) {
    return {&operation, call, path.c_str(), errno};
}

StepFailure succeeded() {
    return {};
}

int set_mount_attributes(const char* path, unsigned flags, std::uint64_t attributes) {
    mount_attr attr{};
    attr.attr_set = attributes;
    return static_cast<int>(syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof attr));
}

bool make_directory(const char* path, mode_t mode) {
    return make_parent_directories(path) && (mkdir(path, mode) == 0 || errno == EEXIST);
}

// A bind mount needs its target to exist: a directory for a directory, a file otherwise.
bool make_mount_point(const char* path, bool directory) {
    if (directory) return make_directory(path, 0755);
    if (!make_parent_directories(path)) return false;
    const int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0444);
    if (fd < 0) return errno == EEXIST || errno == EISDIR;
    close(fd);
    return true;
}

StepFailure bind(const Operation& operation) {
    struct stat source {};
    if (stat(operation.source_path.c_str(), &source) != 0) {
        if (operation.optional && errno == ENOENT) return succeeded();
        return failed(operation, "stat", operation.source);
    }
    const char* target = operation.destination_path.c_str();
    if (!make_mount_point(target, S_ISDIR(source.st_mode))) {
        return failed(operation, "create the mount point", operation.destination);
    }
    if (mount(operation.source_path.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return failed(operation, "mount --rbind", operation.source);
    }
    const std::uint64_t attributes = MOUNT_ATTR_NOSUID |
                                     (operation.devices ? 0 : MOUNT_ATTR_NODEV) |
                                     (operation.read_only ? MOUNT_ATTR_RDONLY : 0);
    if (set_mount_attributes(target, AT_RECURSIVE, attributes) != 0) {
        return failed(operation, "mount_setattr (nosuid, nodev, read-only)", operation.destination);
    }
    return succeeded();
}

// An empty tmpfs root, or the operator's directory bound in its place once the host has moved to
// /oldroot (bound before, it would hold the staging tmpfs itself), where the operations find
// their sources.
StepFailure create_root(const Operation& operation) {
    if (mount("tmpfs", kStaging, "tmpfs", MS_NODEV | MS_NOSUID, "mode=0755") != 0) {
        return {&operation, "mount a tmpfs on /tmp for building the root", kStaging, errno};
    }
    if (mkdir(kStagingNewRoot, 0755) != 0 || mkdir(kStagingOldRoot, 0755) != 0) {
        return {&operation, "mkdir", kStagingNewRoot, errno};
    }
    // A mount point of its own, for the last pivot_root.
    if (mount(kStagingNewRoot, kStagingNewRoot, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return {&operation, "mount --rbind", kStagingNewRoot, errno};
    }
    if (syscall(SYS_pivot_root, kStaging, kStagingOldRoot) != 0 || chdir("/") != 0) {
        return {&operation, "pivot_root", kStaging, errno};
    }
    if (operation.source_path.empty()) return succeeded();
    if (mount(operation.source_path.c_str(), "/newroot", nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return failed(operation, "mount --rbind", operation.source);
    }
    if (operation.read_only && set_mount_attributes("/newroot", AT_RECURSIVE,
                                                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) != 0) {
        return failed(operation, "mount_setattr (read-only, nosuid)", operation.source);
    }
    return succeeded();
}

StepFailure switch_root(const Operation& operation) {
    if (umount2("/oldroot", MNT_DETACH) != 0) return {&operation, "umount2", "/oldroot", errno};
    if (chdir("/newroot") != 0) return {&operation, "chdir", "/newroot", errno};
    // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves the new one.
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        return {&operation, "pivot_root", "/newroot", errno};
    if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0) {
        return {&operation, "umount2 (the staging root)", "/", errno};
    }
    return succeeded();
}

// bubblewrap's cover_proc_dirs: what a process with capabilities could change the host's
// kernel through stays read-only even in a new procfs.
StepFailure protect_proc(const Operation& operation) {
    for (const char* entry : {"/sys", "/sysrq-trigger", "/irq", "/bus"}) {
        char path[kChildPathMax];
        if (!join_child_path(path, operation.destination_path.c_str(), entry)) {
            return failed(operation, "join path", operation.destination);
        }
        if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
            if (errno == ENOENT) continue;
            return failed(operation, "mount --rbind (to make it read-only) part of",
                          operation.destination);
        }
        if (set_mount_attributes(path, AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) != 0) {
            return failed(operation, "mount_setattr (read-only) part of", operation.destination);
        }
    }
    return succeeded();
}

StepFailure mount_new(const Operation& operation, const char* type, unsigned long flags,
                      const char* options) {
    const char* target = operation.destination_path.c_str();
    if (!make_directory(target, 0755)) return failed(operation, "mkdir -p", operation.destination);
    if (mount(type, target, type, flags, options) != 0) {
        return failed(operation, "mount", operation.destination);
    }
    return succeeded();
}

StepFailure make_symlink(const Operation& operation) {
    const char* target = operation.destination_path.c_str();
    if (!make_parent_directories(target)) {
        return failed(operation, "mkdir -p the parents of", operation.destination);
    }
    if (symlink(operation.source.c_str(), target) == 0) return succeeded();
    if (errno != EEXIST) return failed(operation, "symlink", operation.destination);
    // Already there with the same target is fine (bubblewrap >= 0.9.0).
    char existing[kChildPathMax];
    const ssize_t length = readlink(target, existing, sizeof existing - 1);
    if (length >= 0 && static_cast<std::size_t>(length) == operation.source.size() &&
        std::memcmp(existing, operation.source.data(), operation.source.size()) == 0) {
        return succeeded();
    }
    errno = EEXIST;
    return failed(operation, "symlink", operation.destination);
}

}  // namespace

bool make_parent_directories(const char* path) {
    char buffer[kChildPathMax];
    if (!join_child_path(buffer, path, "")) return false;
    for (char* slash = std::strchr(buffer + 1, '/'); slash != nullptr;
         slash = std::strchr(slash + 1, '/')) {
        *slash = '\0';
        const bool made = mkdir(buffer, 0755) == 0 || errno == EEXIST;
        *slash = '/';
        if (!made) return false;
    }
    return true;
}

StepFailure apply_filesystem_operation(const Operation& operation) {
    const char* target = operation.destination_path.c_str();
    switch (operation.type) {
        case OperationType::kMakeMountsSlave:
            if (mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
                return {&operation, "mount --make-rslave", "/", errno};
            }
            return succeeded();
        case OperationType::kCreateRoot:
            return create_root(operation);
        case OperationType::kBind:
            return bind(operation);
        case OperationType::kRemountReadOnly:
            if (set_mount_attributes(target, 0, MOUNT_ATTR_RDONLY) != 0) {
                return failed(operation, "mount_setattr (read-only)", operation.destination);
            }
            return succeeded();
        case OperationType::kMountTmpfs:
            return mount_new(operation, "tmpfs", MS_NOSUID | MS_NODEV, operation.data.c_str());
        case OperationType::kMountProc: {
            const StepFailure mounted =
                mount_new(operation, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
            return mounted ? mounted : protect_proc(operation);
        }
        case OperationType::kMountDev:
            return mount_device_directory(operation);
        case OperationType::kMountMqueue:
            return mount_new(operation, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
        case OperationType::kMakeDirectory:
            if (!make_parent_directories(target) ||
                (mkdir(target, operation.mode) != 0 && errno != EEXIST)) {
                return failed(operation, "mkdir", operation.destination);
            }
            return succeeded();
        case OperationType::kMakeSymlink:
            return make_symlink(operation);
        case OperationType::kChangeMode:
            if (chmod(target, operation.mode) != 0) {
                return failed(operation, "chmod", operation.destination);
            }
            return succeeded();
        case OperationType::kSwitchRoot:
            return switch_root(operation);
        default:
            errno = EINVAL;
            return {&operation, "apply (not a filesystem operation)", nullptr, errno};
    }
}

}  // namespace bro::server::profile
