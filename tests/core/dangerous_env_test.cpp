#include "core/dangerous_env.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/env_policy.hpp"

namespace bro {
namespace {

using protocol::EnvironmentEntry;
using Strings = std::vector<std::string>;

const char* const kNoServerEnvironment[] = {nullptr};

Strings build(const EnvPolicy& policy, const std::vector<EnvironmentEntry>& forwarded) {
    return policy.build_child_environment(forwarded, kNoServerEnvironment, {});
}

TEST(DangerousEnv, NamesTheIssueListsAreDangerous) {
    for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "BASH_ENV",
                             "ENV", "PYTHONPATH", "PYTHONSTARTUP", "PERL5LIB", "PERL5OPT",
                             "PERLLIB", "NODE_OPTIONS", "GIT_SSH_COMMAND", "GIT_CONFIG_COUNT",
                             "PATH", "IFS", "GLIBC_TUNABLES", "BASH_FUNC_ls%%", "MALLOC_TRACE"}) {
        EXPECT_NE(find_dangerous_env(name), nullptr) << name;
    }
}

TEST(DangerousEnv, OrdinaryNamesAreNot) {
    for (const char* name : {"TERM", "LANG", "LC_ALL", "TZ", "CFLAGS", "GREETING", "LD", "GIT",
                             "PATHS", "MYPATH", "XPYTHON", "env", "path", "ld_preload"}) {
        EXPECT_EQ(find_dangerous_env(name), nullptr) << name;
    }
}

TEST(DangerousEnv, EveryEntrySaysWhyAndIsDistinct) {
    const auto table = dangerous_env_names();
    for (std::size_t i = 0; i < table.size(); ++i) {
        EXPECT_FALSE(table[i].name.empty());
        EXPECT_FALSE(table[i].why.empty()) << table[i].name;
        for (std::size_t j = 0; j < i; ++j) EXPECT_NE(table[i].name, table[j].name);
    }
}

TEST(DangerousEnv, AllowedDangerousNameIsStillDropped) {
    const EnvPolicy policy({"LD_PRELOAD", "TERM"}, {});
    EXPECT_EQ(build(policy, {{"LD_PRELOAD", "/evil.so"}, {"TERM", "xterm"}}),
              (Strings{"TERM=xterm"}));
    EXPECT_NE(policy.why_refused("LD_PRELOAD").find("--allow-dangerous-env LD_PRELOAD"),
              std::string::npos)
        << policy.why_refused("LD_PRELOAD");
}

TEST(DangerousEnv, AllowDangerousEnvLetsExactlyThatNamePass) {
    const EnvPolicy policy({"LD_PRELOAD", "LD_AUDIT"}, {}, {"LD_PRELOAD"});
    EXPECT_EQ(build(policy, {{"LD_PRELOAD", "/x.so"}, {"LD_AUDIT", "/y.so"}}),
              (Strings{"LD_PRELOAD=/x.so"}));
}

TEST(DangerousEnv, AllowDangerousEnvAloneDoesNotAllowAName) {
    const EnvPolicy policy({}, {}, {"PATH"});
    EXPECT_EQ(build(policy, {{"PATH", "/tmp"}}), Strings{});
    EXPECT_EQ(policy.why_refused("PATH"), "not in --allowed-env");
}

TEST(DangerousEnv, InheritedDangerousNamesPass) {
    const char* const server_environment[] = {"PATH=/usr/bin", nullptr};
    const EnvPolicy policy({}, {"PATH"});
    EXPECT_EQ(policy.build_child_environment({}, server_environment, {}),
              (Strings{"PATH=/usr/bin"}));
}

}  // namespace
}  // namespace bro
