// Users and groups by name or number, and what --user/--group/--groups resolve to.

#include "server/account_lookup.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "server/run_as.hpp"

namespace bro::server {
namespace {

TEST(AccountLookup, NumbersAreIdsAndNamesAreNot) {
    EXPECT_EQ(parse_numeric_id("0"), 0u);
    EXPECT_EQ(parse_numeric_id("65534"), 65534u);
    EXPECT_EQ(parse_numeric_id("root"), std::nullopt);
    EXPECT_EQ(parse_numeric_id("12x"), std::nullopt);
    EXPECT_EQ(parse_numeric_id("-1"), std::nullopt);
    EXPECT_EQ(parse_numeric_id("4294967295"), std::nullopt);  // (uid_t)-1: "unchanged"
    EXPECT_EQ(parse_numeric_id(""), std::nullopt);
}

TEST(AccountLookup, NamesAndNumbersResolveAndUnknownNamesDoNot) {
    EXPECT_EQ(find_user_id("root"), 0u);
    EXPECT_EQ(find_user_id("4242"), 4242u);  // a number needs no passwd entry
    EXPECT_EQ(find_user_id("no-such-user-bro"), std::nullopt);
    EXPECT_EQ(find_group_id("root"), 0u);
    EXPECT_EQ(find_group_id("no-such-group-bro"), std::nullopt);
    const auto root = find_account("0");
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(root->name, "root");
    EXPECT_EQ(root->gid, 0u);
}

TEST(AccountLookup, GroupListIncludesThePrimaryGroup) {
    const auto root = find_account("root");
    ASSERT_TRUE(root.has_value());
    const auto groups = group_list_of(*root, root->gid);
    EXPECT_NE(std::find(groups.begin(), groups.end(), root->gid), groups.end());
}

TEST(RunAs, NoFlagsMeanTheServersOwnIdentity) {
    EXPECT_EQ(resolve_run_as({}), std::nullopt);
}

TEST(RunAs, UnknownUserAndNumericUserWithoutGroupAreErrorsNamingTheFlag) {
    try {
        resolve_run_as({.user = "no-such-user-bro"});
        ADD_FAILURE() << "no error";
    } catch (const RunAsError& e) {
        EXPECT_NE(std::string(e.what()).find("--user no-such-user-bro"), std::string::npos);
    }
    try {
        resolve_run_as({.user = "4242"});  // no passwd entry on a test machine
        ADD_FAILURE() << "no error";
    } catch (const RunAsError& e) {
        EXPECT_NE(std::string(e.what()).find("give --group too"), std::string::npos) << e.what();
    }
}

TEST(RunAs, UserGetsItsPrimaryGroupAndGroupList) {
    if (!can_change_identity()) GTEST_SKIP() << "needs CAP_SETUID and CAP_SETGID (root)";
    const auto nobody = find_account("nobody");
    if (!nobody) GTEST_SKIP() << "no user nobody";
    const auto identity = resolve_run_as({.user = "nobody"});
    ASSERT_TRUE(identity.has_value());
    EXPECT_EQ(identity->uid, nobody->uid);
    EXPECT_EQ(identity->gid, nobody->gid);
    EXPECT_EQ(identity->groups, group_list_of(*nobody, nobody->gid));
    const auto explicit_groups =
        resolve_run_as({.user = "nobody", .group = "0", .groups = "0,root"});
    ASSERT_TRUE(explicit_groups.has_value());
    EXPECT_EQ(explicit_groups->gid, 0u);
    EXPECT_EQ(explicit_groups->groups, (std::vector<gid_t>{0, 0}));
}

TEST(RunAs, OwnIdentityNeedsNoChange) {
    const auto self = std::to_string(geteuid());
    const auto own = find_account(self);
    if (!own) GTEST_SKIP() << "the test's uid has no passwd entry";
    // --user self --group own --groups exactly the current ones: nothing to change.
    std::string groups;
    std::vector<gid_t> list(static_cast<std::size_t>(getgroups(0, nullptr)));
    list.resize(static_cast<std::size_t>(getgroups(static_cast<int>(list.size()), list.data())));
    for (gid_t g : list) groups += std::to_string(g) + ",";
    EXPECT_EQ(resolve_run_as({.user = self, .group = std::to_string(getegid()), .groups = groups}),
              std::nullopt);
}

}  // namespace
}  // namespace bro::server
