#pragma once
// Removing a directory tree that someone else may have filled (a tool's session directory, a
// crashed server's leftovers) without ever following a symlink: every step is relative to an
// open directory descriptor (openat/unlinkat, O_NOFOLLOW), so even a component swapped for a
// symlink while the walk runs cannot lead outside the tree, unlike path-based nftw/remove.
//
// There is no depth limit: the walk keeps an explicit stack of the directories it is in, not a
// recursion, and holds at most kOpenLevels of their descriptors. Deeper up, it remembers each
// directory's device and inode; climbing back, it reopens the parent through ".." and goes on
// only if that is still the same directory (a tree moved away meanwhile is left, reported).

#include <cstddef>
#include <string>
#include <vector>

namespace bro::server {

// How many directory descriptors one removal holds at most.
inline constexpr std::size_t kOpenLevels = 32;

// Appends the names in the open directory `dir` (without . and ..) to `names`, reading
// through a duplicate so `dir` stays usable. False on failure, with "opendir <path>: ..."
// appended to `errors`.
bool list_names(int dir, const std::string& path, std::vector<std::string>& names,
                std::vector<std::string>& errors);

// Removes the directory `name` in the open directory `parent` with everything in it: error
// messages name `path` ("unlink <path>/x: Permission denied") and are appended to `errors`.
// Directories inside are made 0700 first so a tool that made one read-only cannot keep its
// entries. A symlink or non-directory there is left alone (false, no error).
bool remove_directory_tree(int parent, const std::string& name, const std::string& path,
                           std::vector<std::string>& errors);

}  // namespace bro::server
