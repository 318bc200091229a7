#pragma once
// The execution profile's flags as one table: name, how many values follow it, their names, the
// --help group and text. The option table (profile_options.cpp) and the parser
// (profile_parser.cpp) both read it, so a flag cannot be known to one and not the other.
// bubblewrap's spelling wherever bubblewrap has the flag.

#include <span>
#include <string_view>

namespace bro::server::profile {

// The --help section a flag is listed in.
enum class FlagGroup { kNamespaces, kFilesystem, kBuildRoot, kProcess, kTrying };

struct ProfileFlagSpec {
    const char* name;
    int value_count;          // values that follow the flag on the command line
    const char* value_names;  // "SRC DEST"
    FlagGroup group;
    const char* help;
};

std::span<const ProfileFlagSpec> profile_flag_specs();
// nullptr for a name that is not a profile flag.
const ProfileFlagSpec* find_profile_flag(std::string_view name);

// The heading of a group in --help.
const char* group_heading(FlagGroup group);

}  // namespace bro::server::profile
