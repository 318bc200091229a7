#include "server/profile_config.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/unique_fd.hpp"
#include "server/config_error.hpp"
#include "server/profile/namespace_names.hpp"

namespace bro::server {
namespace {

// The kernel takes at most BPF_MAXINSNS instructions in one filter.
constexpr std::size_t kMostSeccompInstructions = 4096;

std::vector<sock_filter> load_seccomp_filter(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw ConfigError("--seccomp " + path + ": cannot open it: " + std::strerror(errno));
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file),
                                  std::istreambuf_iterator<char>()};
    const std::size_t count = bytes.size() / sizeof(sock_filter);
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 ||
        count > kMostSeccompInstructions) {
        throw ConfigError("--seccomp " + path + ": " + std::to_string(bytes.size()) +
                          " bytes is not a compiled cBPF program (a multiple of " +
                          std::to_string(sizeof(sock_filter)) + " bytes, 1 to " +
                          std::to_string(kMostSeccompInstructions) +
                          " instructions, as seccomp_export_bpf writes it)");
    }
    std::vector<sock_filter> filter(count);
    std::memcpy(filter.data(), bytes.data(), bytes.size());
    return filter;
}

// The CLONE_NEW* type of the namespace `path` names.
int namespace_type(const std::string& path) {
    const UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw ConfigError("--setns " + path + ": cannot open it: " + std::strerror(errno) +
                          "; give /proc/PID/ns/TYPE of a running process or a bind-mounted "
                          "namespace file");
    }
    const int type = ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0) throw ConfigError("--setns " + path + ": not a namespace file");
    return type;
}

void check_namespace_files(profile::ExecutionProfile& profile) {
    for (auto& operation : profile.operations) {
        if (operation.type != profile::OperationType::kJoinNamespace) continue;
        const int type = namespace_type(operation.source);
        const char* name = profile::namespace_name(type);
        if ((profile.namespaces & type) != 0) {
            throw ConfigError("--setns " + operation.source + " joins a " + name +
                              " namespace, but the profile creates its own; drop one of them");
        }
        if (profile.needs_holder() && (type == CLONE_NEWUSER || type == CLONE_NEWNS)) {
            throw ConfigError("--setns " + operation.source + " joins a " + name +
                              " namespace, from which the sandbox's own namespaces cannot be "
                              "joined; use it without --unshare-*/filesystem flags");
        }
        if (type == CLONE_NEWPID) {
            // Entered by the server for the clone, not by the child (setns only moves children).
            profile.joins_pid_namespace = true;
            operation.number = CLONE_NEWPID;
        }
    }
}

}  // namespace

std::vector<std::string> profile_warnings(const ServerConfig& config) {
    std::vector<std::string> warnings;
    const auto& profile = config.profile;
    if (!profile.builds_root) return warnings;
    struct stat st {};
    const bool binds_tmpdir = std::any_of(
        profile.operations.begin(), profile.operations.end(), [&](const auto& operation) {
            return operation.type == profile::OperationType::kBind &&
                   operation.source == config.tmpdir;
        });
    if (binds_tmpdir && stat(config.tmpdir.c_str(), &st) == 0 && (st.st_mode & S_IWOTH) != 0) {
        warnings.push_back("--tmpdir " + config.tmpdir +
                           " is shared with other programs and is bound read-write into the "
                           "sandbox (content mode's copies of file arguments live there); give "
                           "this server a --tmpdir of its own, e.g. /run/bro/NAME");
    }
    const bool has_dev = std::any_of(
        profile.operations.begin(), profile.operations.end(), [](const auto& operation) {
            return operation.destination == "/dev" || operation.destination == "/dev/fd";
        });
    if (config.accept_fd_passing && !has_dev) {
        warnings.push_back(
            "fd mode gives the program its file arguments as /dev/fd/N, which the "
            "sandbox's root does not have; add --dev /dev and --proc /proc");
    }
    return warnings;
}

void read_profile(const std::vector<profile::ProfileFlag>& flags, bool cwd_given,
                  bool session_directories, ServerConfig& config) {
    profile::ProfileContext context;
    context.server_uid = geteuid();
    context.server_gid = getegid();
    context.child_identity_switches = config.run_as.has_value() || config.run_as_peer;
    context.cwd_given = cwd_given;
    if (config.accept_content && session_directories) {
        context.session_directories = config.tmpdir;
    }
    try {
        config.profile = profile::parse_profile(flags, context);
    } catch (const profile::ProfileError& e) {
        throw ConfigError(e.what());
    }
    check_namespace_files(config.profile);
    if (!config.profile.seccomp_file.empty()) {
        config.profile.seccomp_filter = load_seccomp_filter(config.profile.seccomp_file);
    }
}

}  // namespace bro::server
