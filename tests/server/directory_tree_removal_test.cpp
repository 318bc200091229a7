// Removing a tree a program left behind: any depth, with few descriptors, never following a
// symlink out of it.

#include "server/directory_tree_removal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"

namespace bro::server {
namespace {

namespace fs = std::filesystem;

int open_descriptors() {
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        (void)entry;
        ++count;
    }
    return count;
}

class TreeRemoval : public ::testing::Test {
  protected:
    TreeRemoval() {
        char pattern[] = "/tmp/bro-tree-XXXXXX";
        root_ = mkdtemp(pattern);
        parent_.reset(open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    ~TreeRemoval() override { fs::remove_all(root_); }

    // `levels` nested directories "d" under root/tree, a file at the bottom.
    void make_deep_tree(int levels) {
        std::string path = root_ + "/tree";
        fs::create_directory(path);
        const UniqueFd top(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        int dir = dup(top.get());
        for (int level = 0; level < levels; ++level) {
            ASSERT_EQ(mkdirat(dir, "d", 0700), 0);
            const int next = openat(dir, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            close(dir);
            dir = next;
        }
        close(openat(dir, "bottom", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        close(dir);
    }

    std::string root_;
    UniqueFd parent_;
};

TEST_F(TreeRemoval, ATreeThousandsOfLevelsDeepIsRemovedWithAFewDescriptors) {
    make_deep_tree(3000);  // far beyond PATH_MAX as a path, and any recursion's comfort
    const int before = open_descriptors();
    std::vector<std::string> errors;
    EXPECT_TRUE(remove_directory_tree(parent_.get(), "tree", root_ + "/tree", errors));
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_FALSE(fs::exists(root_ + "/tree"));
    EXPECT_EQ(open_descriptors(), before);
}

TEST_F(TreeRemoval, ASymlinkInsideIsRemovedNotFollowed) {
    fs::create_directories(root_ + "/tree/a");
    fs::create_directories(root_ + "/outside");
    std::ofstream(root_ + "/outside/keep") << "keep";
    fs::create_directory_symlink(root_ + "/outside", root_ + "/tree/a/link");
    std::vector<std::string> errors;
    EXPECT_TRUE(remove_directory_tree(parent_.get(), "tree", root_ + "/tree", errors));
    EXPECT_TRUE(fs::exists(root_ + "/outside/keep"));
}

TEST_F(TreeRemoval, AReadOnlyDirectoryInsideIsStillEmptied) {
    fs::create_directories(root_ + "/tree/locked");
    std::ofstream(root_ + "/tree/locked/file") << "x";
    chmod((root_ + "/tree/locked").c_str(), 0500);
    std::vector<std::string> errors;
    EXPECT_TRUE(remove_directory_tree(parent_.get(), "tree", root_ + "/tree", errors));
    EXPECT_FALSE(fs::exists(root_ + "/tree"));
}

}  // namespace
}  // namespace bro::server
