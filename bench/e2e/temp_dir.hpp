#pragma once
// The bench's private temp dir: the servers' sockets and the wrapper files live there.

#include <string>
#include <vector>

namespace bro::e2e {

// The private temp dir, and the executable files written into it (removed with it; the
// servers' sockets are removed by the servers, which are destroyed first).
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

    // Writes `text` to a new executable file `name`; returns its path. It is closed before
    // anything runs it (an exec of a file open for writing fails with ETXTBSY).
    std::string add_executable(const std::string& name, const std::string& text);

  private:
    std::string path_;
    std::vector<std::string> files_;
};

}  // namespace bro::e2e
