#pragma once
// A private directory for one session's file arguments: created 0700 under --tmpdir, each
// file in its own numbered subdirectory so it keeps its base name (.../3/input.c), removed
// with everything in it when the session ends, on every path: by remove(), which the session
// awaits, or else by the destructor, which queues the removal. Either way the removal runs on
// the DirectoryRemover's thread, never on the event loop.
//
// For a child running as another user (--user, --as-peer) the directories stay the server's
// but are handed to the child's group with mode 0710 (enter, not list or create), and each file
// is handed to the child's uid and gid (0600): the child can read and write its copies, while
// it can never plant a symlink or a hard link where the server later removes files.

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"
#include "server/directory_remover.hpp"

namespace bro::server {

// Who gets the copies when the child runs as another user.
struct FileOwner {
    uid_t uid = 0;
    gid_t gid = 0;
};

class SessionDirectory {
  public:
    // Throws std::system_error naming the path when the directory cannot be created.
    // `owner`: the ids of the child that will use the files, when they are not the server's.
    SessionDirectory(const std::string& tmpdir, std::uint64_t session_id, DirectoryRemover& remover,
                     std::optional<FileOwner> owner = std::nullopt);
    SessionDirectory(const SessionDirectory&) = delete;
    SessionDirectory& operator=(const SessionDirectory&) = delete;
    ~SessionDirectory();

    const std::string& path() const { return path_; }
    // Removes it with everything in it; completes once it is gone.
    ring::Task<void> remove(ring::Ring& ring);
    // Creates <dir>/<index>/<basename> with O_EXCL, mode 0600; returns its fd and full path.
    UniqueFd create_file(std::size_t index, std::string_view basename, std::string& full_path);

  private:
    // Makes a directory of ours enterable by the child's group (no-op without an owner).
    void open_to_child(const std::string& directory) const;

    std::string name() const { return path_.substr(tmpdir_.size() + 1); }

    std::string tmpdir_;
    std::string path_;  // tmpdir_ + "/" + the name mkdtemp chose
    DirectoryRemover& remover_;
    std::optional<FileOwner> owner_;
    bool removed_ = false;
};

}  // namespace bro::server
