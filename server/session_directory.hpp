#pragma once
// A private directory for one session's file arguments: created 0700 under --tmpdir, each
// file in its own numbered subdirectory so it keeps its base name (.../3/input.c), removed
// with everything in it when the session ends, on every path.

#include <string>
#include <string_view>

#include "core/unique_fd.hpp"

namespace bro::server {

class SessionDirectory {
  public:
    // Throws std::system_error naming the path when the directory cannot be created.
    SessionDirectory(const std::string& tmpdir, std::uint64_t session_id);
    SessionDirectory(const SessionDirectory&) = delete;
    SessionDirectory& operator=(const SessionDirectory&) = delete;
    ~SessionDirectory();

    const std::string& path() const { return path_; }
    // Creates <dir>/<index>/<basename> with O_EXCL, mode 0600; returns its fd and full path.
    UniqueFd create_file(std::size_t index, std::string_view basename, std::string& full_path);

  private:
    std::string path_;
};

}  // namespace bro::server
