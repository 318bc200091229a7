// Admission: allow-lists by uid, gid and supplementary group; concurrent and per-uid limits.

#include "server/admission.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bro::server {
namespace {

PeerCredentials peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
    return PeerCredentials{1234, uid, gid, std::move(groups)};
}

TEST(Admission, WithoutAnAllowListEveryoneIsAdmitted) {
    DescriptorBudget descriptors;
    Admission admission(AdmissionRules{}, descriptors);
    EXPECT_EQ(admission.admit(peer(1000, 1000)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(0, 0)), std::nullopt);
    EXPECT_FALSE(admission.needs_groups());
}

TEST(Admission, AllowListAdmitsListedUidsAndGroupsIncludingSupplementaryOnes) {
    DescriptorBudget descriptors;
    Admission admission(AdmissionRules{.allow_uids = {1000}, .allow_gids = {50}}, descriptors);
    EXPECT_TRUE(admission.needs_groups());
    EXPECT_EQ(admission.admit(peer(1000, 1000)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(2000, 50)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(3000, 3000, {7, 50})), std::nullopt);
    const auto refused = admission.admit(peer(4000, 4000, {7}));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("uid 4000 (gid 4000) may not call"), std::string::npos) << *refused;
}

TEST(Admission, RootIsNotSpecial) {
    DescriptorBudget descriptors;
    Admission admission(AdmissionRules{.allow_uids = {1000}}, descriptors);
    EXPECT_TRUE(admission.admit(peer(0, 0)).has_value());
}

// A session limit's boundary: the `admitted` callers fill it, the next one is refused with a
// message naming the flag, a caller the limit does not concern still gets in, and once one
// of `released`'s sessions ends the refused caller gets in too. Callers' gid equals their uid.
struct SessionLimitCase {
    std::string name;  // the row's name, the last part of the test's name
    AdmissionRules rules;
    std::vector<uid_t> admitted;
    uid_t refused;
    std::string refusal;  // what the refusal says, with the flag that sets the limit
    std::optional<uid_t> unconcerned;
    uid_t released;
};

void PrintTo(const SessionLimitCase& row, std::ostream* out) {
    *out << row.name;
}

class AdmissionLimit : public ::testing::TestWithParam<SessionLimitCase> {};

TEST_P(AdmissionLimit, RefusesACallerBeyondItUntilASessionEnds) {
    const SessionLimitCase& row = GetParam();
    DescriptorBudget descriptors;
    Admission admission(row.rules, descriptors);
    for (const uid_t uid : row.admitted) EXPECT_EQ(admission.admit(peer(uid, uid)), std::nullopt);
    const auto refused = admission.admit(peer(row.refused, row.refused));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find(row.refusal), std::string::npos) << *refused;
    if (row.unconcerned) {
        EXPECT_EQ(admission.admit(peer(*row.unconcerned, *row.unconcerned)), std::nullopt);
    }
    admission.release(row.released);
    EXPECT_EQ(admission.admit(peer(row.refused, row.refused)), std::nullopt);
    EXPECT_EQ(admission.active_sessions(), row.admitted.size() + (row.unconcerned ? 1 : 0));
}

INSTANTIATE_TEST_SUITE_P(
    SessionLimits, AdmissionLimit,
    ::testing::Values(
        SessionLimitCase{
            .name = "MaxSessions",
            .rules = {.max_sessions = 2, .max_sessions_per_uid = 10},
            .admitted = {1, 2},
            .refused = 3,
            .refusal = "2 sessions are running, the most it allows (--max-sessions)",
            .unconcerned = std::nullopt,
            .released = 1,
        },
        SessionLimitCase{
            .name = "MaxSessionsPerUid",
            .rules = {.max_sessions = 10, .max_sessions_per_uid = 2},
            .admitted = {1, 1},
            .refused = 1,
            .refusal = "uid 1 already has 2 sessions running, the most one caller may have "
                       "(--max-sessions-per-uid)",
            .unconcerned = 2,
            .released = 1,
        }),
    [](const ::testing::TestParamInfo<SessionLimitCase>& info) { return info.param.name; });

TEST(Admission, SlotIsReturnedOnceWhetherReleasedEarlyOrDestroyed) {
    DescriptorBudget descriptors;
    Admission admission(AdmissionRules{.max_sessions = 1, .max_sessions_per_uid = 1}, descriptors);
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

TEST(Admission, NoCallerTakesMoreThanAQuarterOfTheSessionsByDefault) {
    EXPECT_EQ(default_sessions_per_uid(1024), 256u);
    EXPECT_EQ(default_sessions_per_uid(64), 16u);
    EXPECT_EQ(default_sessions_per_uid(2), 1u);
}

DescriptorBudget room_for_two_sessions() {
    DescriptorBudget descriptors;
    descriptors.set_limit(DescriptorBudget::kReserved + 2 * DescriptorBudget::kPerSession);
    return descriptors;
}

TEST(Admission, ACallerBeyondTheDescriptorsLeftIsToldTheServerIsBusy) {
    DescriptorBudget descriptors = room_for_two_sessions();
    Admission admission(AdmissionRules{}, descriptors);
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    EXPECT_EQ(admission.admit(peer(2, 2)), std::nullopt);
    const auto refused = admission.admit(peer(3, 3));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("the server is busy: it is short of descriptors"), std::string::npos)
        << *refused;
    admission.release(1);
    EXPECT_EQ(admission.admit(peer(3, 3)), std::nullopt);
}

TEST(Admission, DescriptorsAnFdRequestBringsCountUntilItsChildHasThem) {
    DescriptorBudget descriptors = room_for_two_sessions();
    Admission admission(AdmissionRules{}, descriptors);
    EXPECT_EQ(admission.admit(peer(1, 1)), std::nullopt);
    AdmissionSlot slot(admission, 1);
    slot.hold_descriptors(10);
    EXPECT_TRUE(admission.admit(peer(2, 2)).has_value()) << "16 + 10 + 16 do not fit in 32";
    slot.hold_descriptors(0);
    EXPECT_EQ(admission.admit(peer(2, 2)), std::nullopt);
    admission.release(2);
    slot.release();
    EXPECT_EQ(admission.descriptors().in_use(), 0u);
}

// Every tool of one process draws on one RLIMIT_NOFILE: what one tool's sessions hold, the
// others' cannot have.
TEST(Admission, DescriptorsAreCountedAcrossTheToolsOfOneProcess) {
    DescriptorBudget descriptors = room_for_two_sessions();
    Admission first_tool(AdmissionRules{}, descriptors);
    Admission second_tool(AdmissionRules{}, descriptors);
    EXPECT_EQ(first_tool.admit(peer(1, 1)), std::nullopt);
    EXPECT_EQ(first_tool.admit(peer(2, 2)), std::nullopt);
    const auto refused = second_tool.admit(peer(3, 3));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("short of descriptors"), std::string::npos) << *refused;
    first_tool.release(1);
    EXPECT_EQ(second_tool.admit(peer(3, 3)), std::nullopt);
}

// Each tool's listening socket and spare descriptor are kept from the sessions.
TEST(Admission, EachToolKeepsItsOwnDescriptorsOutOfTheSessionsReach) {
    DescriptorBudget descriptors;
    descriptors.set_limit(DescriptorBudget::kReserved + DescriptorBudget::kPerSession);
    Admission admission(AdmissionRules{}, descriptors);
    descriptors.add_server();
    EXPECT_EQ(descriptors.reserved(), DescriptorBudget::kReserved + DescriptorBudget::kPerServer);
    EXPECT_TRUE(admission.admit(peer(1, 1)).has_value());
}

}  // namespace
}  // namespace bro::server
