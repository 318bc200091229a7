#include "server/stale_session_cleanup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/unique_fd.hpp"
#include "server/directory_tree_removal.hpp"
#include "server/process_liveness.hpp"

namespace bro::server {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// The <pid> of bro-<pid>-<session>-XXXXXX (mkdtemp's six letters or digits), else nullopt.
std::optional<pid_t> session_directory_pid(std::string_view name) {
    constexpr std::string_view kPrefix = "bro-";
    constexpr std::size_t kRandomChars = 6;
    if (!name.starts_with(kPrefix) || name.size() < kPrefix.size() + kRandomChars + 4) {
        return std::nullopt;
    }
    const std::string_view random = name.substr(name.size() - kRandomChars);
    for (char c : random) {
        if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
    }
    std::string_view middle = name.substr(kPrefix.size());
    middle.remove_suffix(kRandomChars);
    if (!middle.ends_with('-')) return std::nullopt;
    middle.remove_suffix(1);
    const std::size_t dash = middle.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const std::string_view pid_text = middle.substr(0, dash);
    if (!all_digits(pid_text) || !all_digits(middle.substr(dash + 1))) return std::nullopt;
    pid_t pid = 0;
    // All digits: only an overflow can fail.
    const auto parsed = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
    if (parsed.ec != std::errc{} || pid <= 0) return std::nullopt;
    return pid;
}

// The file name of the program /proc/<pid>/exe names (" (deleted)" removed: an upgraded
// binary), or nullopt when it cannot be read.
std::optional<std::string> program_name(const std::string& proc_exe) {
    char target[4096];
    const ssize_t length = ::readlink(proc_exe.c_str(), target, sizeof target - 1);
    if (length <= 0) return std::nullopt;
    std::string_view path(target, static_cast<std::size_t>(length));
    constexpr std::string_view kDeleted = " (deleted)";
    if (path.ends_with(kDeleted)) path.remove_suffix(kDeleted.size());
    return std::string(path.substr(path.rfind('/') + 1));
}

// True unless `pid` surely is not a running bro-server (see the header for the rule).
bool may_be_live_server(pid_t pid, const std::optional<std::string>& own_name) {
    if (pid == ::getpid()) return true;
    // A killed server stays a zombie until its parent reaps it: dead all the same.
    if (process_gone(pid)) return false;
    const auto name = program_name("/proc/" + std::to_string(pid) + "/exe");
    if (!name || !own_name) return true;
    return *name == *own_name;
}

void remove_if_stale(int tmpdir, const std::string& tmpdir_path, const std::string& name,
                     const std::optional<std::string>& own_name, StaleCleanupResult& result) {
    const auto pid = session_directory_pid(name);
    if (!pid || may_be_live_server(*pid, own_name)) return;
    const std::string path = tmpdir_path + "/" + name;
    // lstat, not follow: a symlink is not a session directory. The tmpdir is not writable by
    // others without the sticky bit (checked at start), so the entry cannot be swapped after.
    struct stat st {};
    if (::fstatat(tmpdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid()) {
        return;
    }
    if (remove_directory_tree(tmpdir, name, path, result.errors)) result.removed.push_back(path);
}

}  // namespace

StaleCleanupResult remove_stale_session_directories(const std::string& tmpdir) {
    StaleCleanupResult result;
    UniqueFd dir(::open(tmpdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        result.errors.push_back("open " + tmpdir + ": " + std::strerror(errno));
        return result;
    }
    std::vector<std::string> names;
    if (!list_names(dir.get(), tmpdir, names, result.errors)) return result;
    const auto own_name = program_name("/proc/self/exe");
    for (const auto& name : names) remove_if_stale(dir.get(), tmpdir, name, own_name, result);
    return result;
}

}  // namespace bro::server
