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

void record(std::vector<std::string>& errors, const std::string& what) {
    errors.push_back(what + ": " + std::strerror(errno));
}

// One directory of the walk: the names it still has to remove, and how to reach it again.
struct Level {
    UniqueFd fd;  // closed for levels more than kOpenLevels above the current one
    std::string name;
    std::string path;
    dev_t device = 0;
    ino_t inode = 0;
    std::vector<std::string> pending;
    bool kept = false;  // something in it stays, so it stays too
};

class TreeWalk {
  public:
    explicit TreeWalk(std::vector<std::string>& errors) : errors_(errors) {}

    // Opens `name` in `parent` as the next level (made 0700, listed); false, with the error
    // recorded, if it cannot be. A tree's top that is no directory is no error: it is left.
    bool enter(int parent, const std::string& name, const std::string& path, bool top = false) {
        UniqueFd fd(::openat(parent, name.c_str(), kOpenDirectory));
        if (!fd) {
            if (!top) record(errors_, "open " + path);
            return false;
        }
        // A failure here shows up as the unlink errors inside.
        ::fchmod(fd.get(), 0700);
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) {
            record(errors_, "stat " + path);
            return false;
        }
        Level level{std::move(fd), name, path, st.st_dev, st.st_ino, {}, false};
        if (!list_names(level.fd.get(), path, level.pending, errors_)) return false;
        levels_.push_back(std::move(level));
        if (levels_.size() > kOpenLevels) levels_[levels_.size() - 1 - kOpenLevels].fd.reset();
        return true;
    }

    // Removes what the current level still holds, entering subdirectories; true once every
    // level was walked (whether or not all was removed), false if the tree moved meanwhile.
    bool run() {
        for (;;) {
            Level& current = levels_.back();
            if (current.pending.empty()) {
                if (levels_.size() == 1) return true;
                if (!leave()) return false;
                continue;
            }
            const std::string name = std::move(current.pending.back());
            current.pending.pop_back();
            if (::unlinkat(current.fd.get(), name.c_str(), 0) == 0) continue;  // file, symlink
            const std::string child_path = current.path + "/" + name;
            if (errno != EISDIR) {
                record(errors_, "unlink " + child_path);
                current.kept = true;
            } else if (!enter(current.fd.get(), name, child_path)) {
                current.kept = true;
            }
        }
    }

    Level& top() { return levels_.front(); }

  private:
    // The current level is walked: climb to its parent (reopening it through ".." when its
    // descriptor was let go) and remove the directory, unless something in it stayed.
    bool leave() {
        Level done = std::move(levels_.back());
        levels_.pop_back();
        Level& parent = levels_.back();
        if (!parent.fd) {
            parent.fd.reset(::openat(done.fd.get(), "..", kOpenDirectory));
            struct stat st {};
            if (!parent.fd || ::fstat(parent.fd.get(), &st) != 0 || st.st_dev != parent.device ||
                st.st_ino != parent.inode) {
                errors_.push_back(parent.path + " was moved while it was being removed; left");
                return false;
            }
        }
        if (done.kept) {
            parent.kept = true;
        } else if (::unlinkat(parent.fd.get(), done.name.c_str(), AT_REMOVEDIR) != 0) {
            record(errors_, "rmdir " + done.path);
            parent.kept = true;
        }
        return true;
    }

    std::vector<std::string>& errors_;
    std::vector<Level> levels_;
};

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
    TreeWalk walk(errors);
    if (!walk.enter(parent, name, path, /*top=*/true)) return false;
    if (!walk.run()) return false;
    Level& tree = walk.top();
    if (tree.kept) return false;
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) {
        record(errors, "rmdir " + path);
        return false;
    }
    return true;
}

}  // namespace bro::server
