#include "server/environment_warnings.hpp"

#include <gtest/gtest.h>

namespace bro::server {
namespace {

ServerConfig config_with(std::vector<std::string> allowed, std::vector<std::string> dangerous) {
    ServerConfig config;
    config.allowed_env = std::move(allowed);
    config.allow_dangerous_env = std::move(dangerous);
    return config;
}

bool has_line(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& line : lines) {
        if (line.find(text) != std::string::npos) return true;
    }
    return false;
}

TEST(EnvironmentWarnings, OrdinaryAllowedNamesNeedNoWarning) {
    EXPECT_TRUE(environment_warnings(config_with({"TERM", "LANG"}, {})).empty());
}

TEST(EnvironmentWarnings, OneLinePerDangerousAllowedNameThatWillBeDropped) {
    const auto lines = environment_warnings(config_with({"TERM", "LD_PRELOAD", "PATH"}, {}));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(has_line(lines, "--allowed-env names LD_PRELOAD, which is dangerous"));
    EXPECT_TRUE(has_line(lines, "add --allow-dangerous-env PATH to let it pass"));
}

TEST(EnvironmentWarnings, OneLinePerNameLetThrough) {
    const auto lines = environment_warnings(config_with({"PATH"}, {"PATH"}));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(has_line(lines, "--allow-dangerous-env PATH: callers can set PATH"));
}

TEST(EnvironmentWarnings, BroPeerNamesInEitherListAreIgnoredAndSaidSo) {
    ServerConfig config = config_with({"BRO_PEER_UID", "TERM"}, {});
    config.inherit_env = {"BRO_PEER_PID"};
    const auto lines = environment_warnings(config);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(has_line(lines, "--allowed-env names BRO_PEER_UID, which only the server sets"));
    EXPECT_TRUE(has_line(lines, "--inherit-env names BRO_PEER_PID, which only the server sets"));
}

TEST(EnvironmentWarnings, UselessAllowDangerousEnvIsPointedOut) {
    const auto lines = environment_warnings(config_with({"TERM"}, {"TERM", "PYTHONPATH"}));
    EXPECT_TRUE(has_line(lines, "--allow-dangerous-env TERM: not on the dangerous list"));
    EXPECT_TRUE(has_line(lines, "PYTHONPATH changes nothing without --allowed-env PYTHONPATH"));
}

}  // namespace
}  // namespace bro::server
