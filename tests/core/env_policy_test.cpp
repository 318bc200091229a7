#include "core/env_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bro {
namespace {

using protocol::EnvironmentEntry;
using Strings = std::vector<std::string>;

// The server's environ as a test double: NULL-terminated like the real one.
const char* const kServerEnvironment[] = {"HOME=/home/server", "PATH=/usr/bin:/bin",
                                          "SECRET=hunter2", "LANG=C.UTF-8", nullptr};

Strings build(const EnvPolicy& policy, const std::vector<EnvironmentEntry>& forwarded,
              Strings* refused = nullptr) {
    return policy.build_child_environment(forwarded, kServerEnvironment,
                                          [&](std::string_view name) {
                                              if (refused) refused->emplace_back(name);
                                          });
}

TEST(EnvPolicy, OnlyAllowedForwardedNamesPass) {
    const EnvPolicy policy({"TERM", "LANG"}, {});
    EXPECT_EQ(build(policy, {{"TERM", "xterm"}, {"LD_PRELOAD", "/evil.so"}, {"LANG", "de"}}),
              (Strings{"TERM=xterm", "LANG=de"}));
}

TEST(EnvPolicy, RefusedForwardedNamesAreReportedInOrder) {
    const EnvPolicy policy({"TERM"}, {});
    Strings refused;
    build(policy, {{"LD_PRELOAD", "x"}, {"TERM", "y"}, {"PATH", "z"}}, &refused);
    EXPECT_EQ(refused, (Strings{"LD_PRELOAD", "PATH"}));
}

TEST(EnvPolicy, BroPeerVariablesNeverPassEvenWhenNamed) {
    const char* const server_environment[] = {"BRO_PEER_PID=1", "HOME=/h", nullptr};
    const EnvPolicy policy({"BRO_PEER_UID", "TERM"}, {"BRO_PEER_PID", "HOME"});
    Strings refused;
    const Strings child = policy.build_child_environment(
        std::vector<EnvironmentEntry>{{"BRO_PEER_UID", "0"}, {"TERM", "t"}}, server_environment,
        [&](std::string_view name) { refused.emplace_back(name); });
    EXPECT_EQ(child, (Strings{"TERM=t", "HOME=/h"}));
    EXPECT_EQ(refused, (Strings{"BRO_PEER_UID"}));
    EXPECT_EQ(policy.why_refused("BRO_PEER_UID"), "only the server sets BRO_PEER_* variables");
}

TEST(EnvPolicy, NothingIsForwardedByDefault) {
    const EnvPolicy policy({}, {});
    EXPECT_FALSE(policy.allows_forwarded("HOME"));
    EXPECT_TRUE(build(policy, {{"HOME", "/x"}}).empty());
}

TEST(EnvPolicy, AllowedNamesMatchExactly) {
    const EnvPolicy policy({"TERM"}, {});
    EXPECT_TRUE(policy.allows_forwarded("TERM"));
    EXPECT_FALSE(policy.allows_forwarded("TER"));
    EXPECT_FALSE(policy.allows_forwarded("TERMINFO"));
}

TEST(EnvPolicy, InheritedNamesAreTakenFromTheServerEnvironment) {
    const EnvPolicy policy({}, {"PATH", "HOME", "NOT_SET"});
    EXPECT_EQ(build(policy, {}), (Strings{"HOME=/home/server", "PATH=/usr/bin:/bin"}));
}

TEST(EnvPolicy, ServerVariablesNotNamedForInheritanceStayHidden) {
    const EnvPolicy policy({"TERM"}, {"PATH"});
    for (const auto& assignment : build(policy, {})) {
        EXPECT_NE(assignment.rfind("SECRET=", 0), 0u) << assignment;
    }
}

TEST(EnvPolicy, ForwardedValueWinsOverInheritedOne) {
    const EnvPolicy policy({"LANG"}, {"LANG", "HOME"});
    EXPECT_EQ(build(policy, {{"LANG", "fr_FR.UTF-8"}}),
              (Strings{"LANG=fr_FR.UTF-8", "HOME=/home/server"}));
}

TEST(EnvPolicy, RefusedForwardedNameDoesNotHideTheInheritedOne) {
    const EnvPolicy policy({}, {"PATH"});
    EXPECT_EQ(build(policy, {{"PATH", "/tmp/evil"}}), (Strings{"PATH=/usr/bin:/bin"}));
}

TEST(EnvPolicy, EmptyForwardedValueIsPreserved) {
    const EnvPolicy policy({"EMPTY"}, {});
    EXPECT_EQ(build(policy, {{"EMPTY", ""}}), (Strings{"EMPTY="}));
}

TEST(EnvPolicy, RepeatedForwardedNameKeepsTheFirstValue) {
    const EnvPolicy policy({"A"}, {});
    EXPECT_EQ(build(policy, {{"A", "1"}, {"A", "2"}}), (Strings{"A=1"}));
}

TEST(EnvPolicy, NullServerEnvironmentContributesNothing) {
    const EnvPolicy policy({"A"}, {"PATH"});
    const std::vector<EnvironmentEntry> forwarded{{"A", "1"}};
    EXPECT_EQ(policy.build_child_environment(forwarded, nullptr, {}), (Strings{"A=1"}));
}

}  // namespace
}  // namespace bro
