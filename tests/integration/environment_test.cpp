// Which environment variables reach the child: --allowed-env for forwarded ones (deny by
// default), --inherit-env for the server's own.

#include <gtest/gtest.h>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class Environment : public ::testing::Test {
  protected:
    TempDir dir;
};

TEST_F(Environment, OnlyAllowedForwardedVariablesReachTheChild) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "GREETING,EMPTY"});
    const auto result =
        run_client(server, {.environment = {"BRO_FORWARD_ENV=GREETING,SECRET,EMPTY,UNSET",
                                            "GREETING=hi there", "SECRET=hunter2", "EMPTY="}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_NE(result.out.find("GREETING=hi there\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("EMPTY=\n"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("SECRET"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("UNSET"), std::string::npos) << result.out;
    EXPECT_NE(server.log().find("dropped environment variable SECRET"), std::string::npos);
}

TEST_F(Environment, VariablesNotForwardedByTheClientNeverArrive) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "GREETING"});
    const auto result = run_client(server, {.environment = {"GREETING=hi"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "");
}

TEST_F(Environment, InheritEnvPassesOnlyNamedServerVariables) {
    BroServer server(dir, "/usr/bin/env", {"--inherit-env", "KEEP_ME"},
                     {"KEEP_ME=server value", "DROP_ME=other"});
    const auto result = run_client(server, {});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "KEEP_ME=server value\n");
}

TEST_F(Environment, ForwardedValueWinsOverInheritedOne) {
    BroServer server(dir, "/usr/bin/env", {"--inherit-env", "LANG", "--allowed-env", "LANG"},
                     {"LANG=C"});
    const auto result =
        run_client(server, {.environment = {"BRO_FORWARD_ENV=LANG", "LANG=C.UTF-8"}});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "LANG=C.UTF-8\n");
}

TEST_F(Environment, ServerFlagsCanComeFromBroServerVariables) {
    BroServer server(dir, "/usr/bin/env", {}, {"BRO_SERVER_ALLOWED_ENV=GREETING"});
    const auto result =
        run_client(server, {.environment = {"BRO_FORWARD_ENV=GREETING", "GREETING=hi"}});
    EXPECT_EQ(without_peer_variables(result.out), "GREETING=hi\n") << result.err;
}

}  // namespace
}  // namespace bro::test
