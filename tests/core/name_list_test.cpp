#include "core/name_list.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace bro {
namespace {

using Names = std::vector<std::string_view>;

TEST(NameList, SplitsOnCommasInOrder) {
    EXPECT_EQ(split_name_list("HOME,PATH,LANG"), (Names{"HOME", "PATH", "LANG"}));
}

TEST(NameList, TrimsSpacesAroundEachItem) {
    EXPECT_EQ(split_name_list("  A , B,C  "), (Names{"A", "B", "C"}));
}

TEST(NameList, DropsEmptyAndBlankItems) {
    EXPECT_EQ(split_name_list(",A,, ,B,"), (Names{"A", "B"}));
}

TEST(NameList, EmptyOrBlankListYieldsNoNames) {
    EXPECT_TRUE(split_name_list("").empty());
    EXPECT_TRUE(split_name_list(" , ,,").empty());
}

TEST(NameList, KeepsSpacesInsideAnItem) {
    EXPECT_EQ(split_name_list(" a b ,c"), (Names{"a b", "c"}));
}

}  // namespace
}  // namespace bro
