// Resolving the child's working directory on the ring: a descriptor for a directory the child
// could enter, the errno otherwise, judged with the child's credentials.

#include "server/cwd_resolution.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "tests/ring/bounded_run.hpp"

namespace bro::server {
namespace {

using namespace std::chrono_literals;

class CwdResolution : public ::testing::Test {
  protected:
    CwdResolution() {
        char pattern[] = "/tmp/bro-cwd-XXXXXX";
        root_ = mkdtemp(pattern);
    }
    ~CwdResolution() override { std::filesystem::remove_all(root_); }

    ResolvedDirectory resolve(const std::string& path,
                              const std::optional<ChildIdentity>& identity = std::nullopt) {
        return ring::run_within(ring_, resolver_.resolve(path, identity, 1000));
    }

    ring::Ring ring_;
    CwdResolver resolver_{ring_, 5s};
    std::string root_;
};

TEST_F(CwdResolution, AnExistingDirectoryResolvesToADescriptorOfIt) {
    const ResolvedDirectory resolved = resolve(root_);
    ASSERT_EQ(resolved.error, 0) << std::strerror(resolved.error);
    ASSERT_TRUE(resolved.fd);
    struct stat by_fd {
    }, by_path{};
    ASSERT_EQ(fstat(resolved.fd.get(), &by_fd), 0);
    ASSERT_EQ(stat(root_.c_str(), &by_path), 0);
    EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
}

TEST_F(CwdResolution, AMissingDirectoryOrAFileGivesTheErrno) {
    EXPECT_EQ(resolve(root_ + "/missing").error, ENOENT);
    const std::string file = root_ + "/file";
    close(creat(file.c_str(), 0600));
    EXPECT_EQ(resolve(file).error, ENOTDIR);
    EXPECT_EQ(resolve("").error, ENOENT);
}

TEST_F(CwdResolution, TheChildsIdentityDecidesNotTheServers) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (resolving as another user); CI runs as root";
    const std::string secret = root_ + "/secret";
    ASSERT_EQ(mkdir(secret.c_str(), 0700), 0);
    ASSERT_EQ(mkdir((secret + "/inside").c_str(), 0755), 0);
    chmod(root_.c_str(), 0755);
    EXPECT_EQ(resolve(secret + "/inside").error, 0) << "root may";
    const ChildIdentity nobody{65534, 65534, {}};
    EXPECT_EQ(resolve(secret + "/inside", nobody).error, EACCES);
    EXPECT_EQ(resolve(secret + "/missing", nobody).error, EACCES) << "nothing tells them apart";
    EXPECT_EQ(resolve(root_, nobody).error, 0);
}

TEST_F(CwdResolution, AnOpenDirectoryIsCheckedAndCopied) {
    const ResolvedDirectory first = resolve(root_);
    ASSERT_TRUE(first.fd);
    const ResolvedDirectory checked =
        ring::run_within(ring_, resolver_.check(first.fd.get(), std::nullopt, 1000));
    ASSERT_EQ(checked.error, 0);
    EXPECT_NE(checked.fd.get(), first.fd.get());
}

}  // namespace
}  // namespace bro::server
