#pragma once
// The bench's private temp dir: the servers' sockets and the wrapper files live there.

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <iterator>
#include <string>

#include "bench/e2e/failure.hpp"

namespace bro::e2e {

// The private temp dir, removed with everything in it: the wrapper files written here, and
// whatever the servers leave (s6-ipcserver keeps a NAME.lock beside its socket). It holds no
// subdirectories.
class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/bro-e2e-XXXXXX";
        if (!mkdtemp(pattern.data())) fail(errno_text("mkdtemp"));
        path_ = pattern;
    }
    ~TempDir() {
        if (DIR* dir = opendir(path_.c_str())) {
            while (const dirent* entry = readdir(dir)) {
                const std::string name = entry->d_name;
                if (name != "." && name != "..") unlink((path_ + "/" + name).c_str());
            }
            closedir(dir);
        }
        rmdir(path_.c_str());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

    // Writes `text` to a new executable file `name`; returns its path. It is closed before
    // anything runs it (an exec of a file open for writing fails with ETXTBSY).
    std::string add_executable(const std::string& name, const std::string& text) {
        const std::string path = path_ + "/" + name;
        const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
        if (fd < 0) fail(errno_text("create " + path));
        const bool written = write(fd, text.data(), text.size()) == std::ssize(text);
        close(fd);
        if (!written) fail("cannot write " + path);
        return path;
    }

  private:
    std::string path_;
};

}  // namespace bro::e2e
