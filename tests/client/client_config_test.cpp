#include "client/client_config.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace bro::test {
namespace {

using client::Environment;
using client::read_client_config;

TEST(Environment, AWrapperFilesSettingWinsOverTheCallersVariable) {
    const char* const caller[] = {"BRO_TTY=0", "HOME=/root", nullptr};
    const std::vector<std::string_view> wrapper{"BRO_TTY=1"};
    const Environment environment(caller, wrapper);
    EXPECT_EQ(environment.find("BRO_TTY"), "1");
    EXPECT_EQ(environment.find("HOME"), "/root");
}

TEST(Environment, AVariableSetToTheEmptyStringIsFoundEmptyAndAnUnsetOneIsNot) {
    const char* const caller[] = {"EMPTY=", nullptr};
    const Environment environment(caller);
    EXPECT_EQ(environment.find("EMPTY"), "");
    EXPECT_EQ(environment.find("UNSET"), std::nullopt);
    EXPECT_EQ(environment.find("EMPTY="), std::nullopt) << "a name holds no '='";
}

TEST(ClientConfig, TheConnectTimeoutIsTenSecondsUnlessSet) {
    const char* const caller[] = {nullptr};
    EXPECT_EQ(read_client_config(Environment(caller)).connect_timeout_seconds, 10u);
}

TEST(ClientConfig, TheConnectTimeoutIsAWholeNumberOfSecondsFromOneToAnHour) {
    for (const auto& [text, seconds] :
         std::vector<std::pair<const char*, std::optional<std::uint32_t>>>{
             {"BRO_CONNECT_TIMEOUT=1", 1u},
             {"BRO_CONNECT_TIMEOUT=3600", 3600u},
             {"BRO_CONNECT_TIMEOUT=030", 30u},
             {"BRO_CONNECT_TIMEOUT=0", std::nullopt},
             {"BRO_CONNECT_TIMEOUT=3601", std::nullopt},
             {"BRO_CONNECT_TIMEOUT=2.5", std::nullopt},
             {"BRO_CONNECT_TIMEOUT=-1", std::nullopt},
             {"BRO_CONNECT_TIMEOUT=99999999999999999999", std::nullopt}}) {
        const char* const caller[] = {text, nullptr};
        EXPECT_EQ(read_client_config(Environment(caller)).connect_timeout_seconds, seconds) << text;
    }
}

TEST(ClientConfig, TheConnectTimeoutMayBeSetInAWrapperFile) {
    EXPECT_TRUE(client::is_client_setting("BRO_CONNECT_TIMEOUT"));
}

}  // namespace
}  // namespace bro::test
