#include "core/file_arguments.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace bro {
namespace {

using Args = std::vector<std::string_view>;

// Candidates as "index:offset:path" so a failure prints both sides readably.
std::vector<std::string> find(const Args& arguments, const FileArgumentRules& rules) {
    std::vector<std::string> out;
    for (const auto& c : find_file_argument_candidates(arguments, rules)) {
        EXPECT_EQ(arguments[c.argument_index].substr(c.path_offset), c.path);
        out.push_back(std::to_string(c.argument_index) + ":" + std::to_string(c.path_offset) + ":" +
                      std::string(c.path));
    }
    return out;
}

using Found = std::vector<std::string>;

const FileArgumentRules kFlagRules{{"-C", "--file"}, false};

TEST(FileArguments, ShortFlagWithSeparateValueNamesTheNextArgument) {
    EXPECT_EQ(find({"-C", "a.txt"}, kFlagRules), (Found{"1:0:a.txt"}));
}

TEST(FileArguments, ShortFlagWithAttachedValueNamesTheRestOfTheArgument) {
    EXPECT_EQ(find({"-Ca.txt"}, kFlagRules), (Found{"0:2:a.txt"}));
}

TEST(FileArguments, LongFlagWithEqualsNamesTheValueAfterTheEquals) {
    EXPECT_EQ(find({"--file=dir/a.txt"}, kFlagRules), (Found{"0:7:dir/a.txt"}));
}

TEST(FileArguments, LongFlagWithSeparateValueNamesTheNextArgument) {
    EXPECT_EQ(find({"-v", "--file", "a.txt", "b.txt"}, kFlagRules), (Found{"2:0:a.txt"}));
}

TEST(FileArguments, LongFlagDoesNotMatchAnArgumentItIsOnlyAPrefixOf) {
    EXPECT_TRUE(find({"--filex", "a.txt"}, kFlagRules).empty());
    EXPECT_TRUE(find({"--files=a.txt"}, kFlagRules).empty());
}

TEST(FileArguments, PositionalArgumentsAreIgnoredWithoutPositionalPaths) {
    EXPECT_TRUE(find({"a.txt", "b.txt"}, kFlagRules).empty());
}

TEST(FileArguments, PositionalArgumentsAreCandidatesWithPositionalPaths) {
    const FileArgumentRules rules{{}, true};
    EXPECT_EQ(find({"a.txt", "-v", "b/c"}, rules), (Found{"0:0:a.txt", "2:0:b/c"}));
}

TEST(FileArguments, DoubleDashEndsOptionsSoLaterFlagsAreNotFlags) {
    EXPECT_TRUE(find({"--", "-C", "a.txt"}, kFlagRules).empty());
}

TEST(FileArguments, ArgumentsAfterDoubleDashArePositionalEvenIfTheyStartWithDash) {
    const FileArgumentRules rules{{"-C"}, true};
    EXPECT_EQ(find({"--", "-Cfoo", "--"}, rules), (Found{"1:0:-Cfoo", "2:0:--"}));
}

TEST(FileArguments, SingleDashIsNeverACandidate) {
    const FileArgumentRules rules{{"-C", "--file"}, true};
    EXPECT_TRUE(find({"-", "-C", "-", "--file=-", "-C-", "--", "-"}, rules).empty());
}

TEST(FileArguments, FlagAtTheEndWithoutAValueYieldsNothing) {
    EXPECT_TRUE(find({"x", "-C"}, kFlagRules).empty());
    EXPECT_TRUE(find({"--file"}, kFlagRules).empty());
}

TEST(FileArguments, EmptyAttachedValueIsNotACandidate) {
    EXPECT_TRUE(find({"--file="}, kFlagRules).empty());
}

TEST(FileArguments, ValueOfAFlagIsTakenOnceEvenWithPositionalPaths) {
    const FileArgumentRules rules{{"-C"}, true};
    EXPECT_EQ(find({"-C", "a", "b"}, rules), (Found{"1:0:a", "2:0:b"}));
}

TEST(FileArguments, UnlistedFlagsAreNotCandidates) {
    const FileArgumentRules rules{{"-C"}, true};
    EXPECT_TRUE(find({"-o", "--out=x", "-Dx"}, rules).empty());
}

TEST(FileArguments, BasenameIsTheLastComponent) {
    EXPECT_EQ(path_basename("a.txt"), "a.txt");
    EXPECT_EQ(path_basename("dir/sub/a.tar.gz"), "a.tar.gz");
    EXPECT_EQ(path_basename("/abs/x"), "x");
}

TEST(FileArguments, BasenameIsEmptyWhenThereIsNoFileComponent) {
    EXPECT_EQ(path_basename("dir/"), "");
    EXPECT_EQ(path_basename("/"), "");
    EXPECT_EQ(path_basename("."), "");
    EXPECT_EQ(path_basename("a/.."), "");
    EXPECT_EQ(path_basename(""), "");
}

}  // namespace
}  // namespace bro
