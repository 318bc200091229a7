// Admission: allow-lists by uid, gid and supplementary group; concurrent and per-uid limits.

#include "server/admission.hpp"

#include <gtest/gtest.h>

namespace bro::server {
namespace {

PeerCredentials peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
    return PeerCredentials{1234, uid, gid, std::move(groups)};
}

TEST(Admission, WithoutAnAllowListEveryoneIsAdmitted) {
    Admission admission(AdmissionRules{});
    EXPECT_EQ(admission.admit(peer(1000, 1000)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(0, 0)), std::nullopt);
    EXPECT_FALSE(admission.needs_groups());
}

TEST(Admission, AllowListAdmitsListedUidsAndGroupsIncludingSupplementaryOnes) {
    Admission admission(AdmissionRules{.allow_uids = {1000}, .allow_gids = {50}});
    EXPECT_TRUE(admission.needs_groups());
    EXPECT_EQ(admission.admit(peer(1000, 1000)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(2000, 50)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(3000, 3000, {7, 50})), std::nullopt);
    const auto refused = admission.admit(peer(4000, 4000, {7}));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("uid 4000 (gid 4000) may not call"), std::string::npos) << *refused;
}

TEST(Admission, RootIsNotSpecial) {
    Admission admission(AdmissionRules{.allow_uids = {1000}});
    EXPECT_TRUE(admission.admit(peer(0, 0)).has_value());
}

TEST(Admission, RefusesBeyondMaxSessionsUntilOneIsReleased) {
    Admission admission(AdmissionRules{.max_sessions = 2, .max_sessions_per_uid = 10});
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(2, 2)), std::nullopt);
    const auto refused = admission.admit(peer(3, 3));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("--max-sessions"), std::string::npos) << *refused;
    admission.release(1);
    EXPECT_EQ(admission.admit(peer(3, 3)), std::nullopt);
    EXPECT_EQ(admission.active_sessions(), 2u);
}

TEST(Admission, RefusesBeyondTheCallersShareWhileOthersGetIn) {
    Admission admission(AdmissionRules{.max_sessions = 10, .max_sessions_per_uid = 2});
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    const auto refused = admission.admit(peer(1, 1));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("--max-sessions-per-uid"), std::string::npos) << *refused;
    EXPECT_EQ(admission.admit(peer(2, 2)), std::nullopt);
    admission.release(1);
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
}

TEST(Admission, SlotIsReturnedOnceWhetherReleasedEarlyOrDestroyed) {
    Admission admission(AdmissionRules{.max_sessions = 1, .max_sessions_per_uid = 1});
    {
        EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
        AdmissionSlot slot(admission, 1);
        AdmissionSlot moved(std::move(slot));
        EXPECT_EQ(admission.active_sessions(), 1u);
        moved.release();
        EXPECT_EQ(admission.active_sessions(), 0u);
        EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    }  // `moved` was released already; `slot` gave its place to `moved`
    EXPECT_EQ(admission.active_sessions(), 1u);
    { AdmissionSlot slot(admission, 1); }
    EXPECT_EQ(admission.active_sessions(), 0u);
}

}  // namespace
}  // namespace bro::server
