#include "bench/e2e/temp_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <iterator>

#include "bench/e2e/failure.hpp"

namespace bro::e2e {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/bro-e2e-XXXXXX";
    if (!mkdtemp(pattern.data())) fail(errno_text("mkdtemp"));
    path_ = pattern;
}

TempDir::~TempDir() {
    for (const auto& file : files_) unlink(file.c_str());
    rmdir(path_.c_str());
}

std::string TempDir::add_executable(const std::string& name, const std::string& text) {
    const std::string path = path_ + "/" + name;
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (fd < 0) fail(errno_text("create " + path));
    files_.push_back(path);
    const bool written = write(fd, text.data(), text.size()) == std::ssize(text);
    close(fd);
    if (!written) fail("cannot write " + path);
    return path;
}

}  // namespace bro::e2e
