#include "server/session_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace bro::server {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::system_category(), what);
}

}  // namespace

SessionDirectory::SessionDirectory(const std::string& tmpdir, std::uint64_t session_id,
                                   DirectoryRemover& remover, std::optional<FileOwner> owner)
    : tmpdir_(tmpdir), remover_(remover), owner_(owner) {
    std::string pattern =
        tmpdir + "/bro-" + std::to_string(getpid()) + "-" + std::to_string(session_id) + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) fail("mkdtemp " + pattern);  // mkdtemp creates it 0700
    path_ = buffer.data();
    try {
        open_to_child(path_);
    } catch (...) {
        rmdir(path_.c_str());
        throw;
    }
}

void SessionDirectory::open_to_child(const std::string& directory) const {
    if (!owner_) return;
    // The group first: until then, 0710 would open it to the server's own group.
    if (chown(directory.c_str(), static_cast<uid_t>(-1), owner_->gid) != 0) {
        fail("chown " + directory + " to gid " + std::to_string(owner_->gid));
    }
    if (chmod(directory.c_str(), 0710) != 0) fail("chmod 0710 " + directory);
}

SessionDirectory::~SessionDirectory() {
    if (!removed_) remover_.remove_later(tmpdir_, name());
}

ring::Task<void> SessionDirectory::remove(ring::Ring& ring) {
    removed_ = true;
    co_await remover_.remove(ring, tmpdir_, name());
}

UniqueFd SessionDirectory::create_file(std::size_t index, std::string_view basename,
                                       std::string& full_path) {
    const std::string directory = path_ + "/" + std::to_string(index);
    if (mkdir(directory.c_str(), 0700) != 0) fail("mkdir " + directory);
    open_to_child(directory);
    full_path = directory + "/" + std::string(basename);
    UniqueFd fd(
        open(full_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) fail("open " + full_path);
    if (owner_ && fchown(fd.get(), owner_->uid, owner_->gid) != 0) {
        fail("chown " + full_path + " to uid " + std::to_string(owner_->uid));
    }
    return fd;
}

}  // namespace bro::server
