#pragma once
// Removing a directory tree that someone else may have filled (a tool's session directory, a
// crashed server's leftovers) without ever following a symlink: every step is relative to an
// open directory descriptor (openat/unlinkat, O_NOFOLLOW), so even a component swapped for a
// symlink while the walk runs cannot lead outside the tree, unlike path-based nftw/remove.

#include <string>
#include <vector>

namespace bro::server {

// Appends the names in the open directory `dir` (without . and ..) to `names`, reading
// through a duplicate so `dir` stays usable. False on failure, with "opendir <path>: ..."
// appended to `errors`.
bool list_names(int dir, const std::string& path, std::vector<std::string>& names,
                std::vector<std::string>& errors);

// Removes the directory `name` in the open directory `parent` with everything in it: error
// messages name `path` ("unlink <path>/x: Permission denied") and are appended to `errors`.
// Directories inside are made 0700 first so a tool that made one read-only cannot keep its
// entries; trees deeper than 64 levels are left and reported. A symlink or non-directory
// there is left alone (false, no error).
bool remove_directory_tree(int parent, const std::string& name, const std::string& path,
                           std::vector<std::string>& errors);

}  // namespace bro::server
