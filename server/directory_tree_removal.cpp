#include "server/directory_tree_removal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/unique_fd.hpp"

namespace bro::server {
namespace {

constexpr int kOpenDirectory = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
// Deeper trees than this (a tool can make anything in its directory) are left and reported.
constexpr int kMaxDepth = 64;

void record(std::vector<std::string>& errors, const std::string& what) {
    errors.push_back(what + ": " + std::strerror(errno));
}

bool empty_directory_at_depth(int dir, const std::string& path, int depth,
                              std::vector<std::string>& errors) {
    std::vector<std::string> names;
    if (!list_names(dir, path, names, errors)) return false;
    bool emptied = true;
    for (const auto& name : names) {
        if (::unlinkat(dir, name.c_str(), 0) == 0) continue;  // a file or a symlink
        const std::string child_path = path + "/" + name;
        if (errno != EISDIR || depth >= kMaxDepth) {
            record(errors, "unlink " + child_path);
            emptied = false;
            continue;
        }
        UniqueFd child(::openat(dir, name.c_str(), kOpenDirectory));
        if (!child) {
            record(errors, "open " + child_path);
            emptied = false;
            continue;
        }
        // A failure here shows up as the unlink errors inside.
        ::fchmod(child.get(), 0700);
        if (!empty_directory_at_depth(child.get(), child_path, depth + 1, errors)) {
            emptied = false;
        } else if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
            record(errors, "rmdir " + child_path);
            emptied = false;
        }
    }
    return emptied;
}

}  // namespace

bool list_names(int dir, const std::string& path, std::vector<std::string>& names,
                std::vector<std::string>& errors) {
    UniqueFd listing(::dup(dir));
    DIR* stream = listing ? ::fdopendir(listing.get()) : nullptr;
    if (stream == nullptr) {
        record(errors, "opendir " + path);
        return false;
    }
    (void)listing.release();  // the DIR owns it now
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(stream);
    return true;
}

bool remove_directory_tree(int parent, const std::string& name, const std::string& path,
                           std::vector<std::string>& errors) {
    UniqueFd dir(::openat(parent, name.c_str(), kOpenDirectory));
    if (!dir) return false;
    ::fchmod(dir.get(), 0700);
    if (!empty_directory_at_depth(dir.get(), path, 1, errors)) return false;
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) {
        record(errors, "rmdir " + path);
        return false;
    }
    return true;
}

}  // namespace bro::server
