// The built-in list of dangerous variables: refused even when --allowed-env names them, unless
// --allow-dangerous-env does too; both are announced when the server starts.

#include <gtest/gtest.h>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

class DangerousEnv : public ::testing::Test {
  protected:
    TempDir dir;
    const std::vector<std::string> forwarded = {"BRO_FORWARD_ENV=PYTHONPATH,GREETING",
                                                "PYTHONPATH=/caller/code", "GREETING=hi"};
};

TEST_F(DangerousEnv, AllowedDangerousNameIsDroppedAndTheServerWarnsAtStart) {
    BroServer server(dir, "/usr/bin/env", {"--allowed-env", "PYTHONPATH,GREETING"});
    const auto result = run_client(server, {.environment = forwarded});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "GREETING=hi\n");
    const auto log = server.log();
    EXPECT_NE(log.find("warning: --allowed-env names PYTHONPATH, which is dangerous"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("dropped environment variable PYTHONPATH (dangerous: "), std::string::npos)
        << log;
}

TEST_F(DangerousEnv, AllowDangerousEnvLetsTheNamePassAndIsAnnounced) {
    BroServer server(
        dir, "/usr/bin/env",
        {"--allowed-env", "PYTHONPATH,GREETING", "--allow-dangerous-env", "PYTHONPATH"});
    const auto result = run_client(server, {.environment = forwarded});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(without_peer_variables(result.out), "PYTHONPATH=/caller/code\nGREETING=hi\n");
    EXPECT_NE(server.log().find("warning: --allow-dangerous-env PYTHONPATH: callers can set"),
              std::string::npos)
        << server.log();
}

TEST_F(DangerousEnv, AllowDangerousEnvTakesRepeatsListsAndItsVariable) {
    BroServer server(dir, "/usr/bin/env",
                     {"--allowed-env", "LUA_INIT,PS4,IFS", "--allow-dangerous-env", "LUA_INIT",
                      "--allow-dangerous-env", "PS4,IFS"});
    const auto result = run_client(server, {.environment = {"BRO_FORWARD_ENV=LUA_INIT,PS4,IFS",
                                                            "LUA_INIT=x", "PS4=y", "IFS=z"}});
    EXPECT_EQ(without_peer_variables(result.out), "LUA_INIT=x\nPS4=y\nIFS=z\n") << result.err;

    BroServer from_variable(dir, "/usr/bin/env", {"--allowed-env", "PS4"},
                            {"BRO_SERVER_ALLOW_DANGEROUS_ENV=PS4"});
    const auto via_variable =
        run_client(from_variable, {.environment = {"BRO_FORWARD_ENV=PS4", "PS4=y"}});
    EXPECT_EQ(without_peer_variables(via_variable.out), "PS4=y\n") << via_variable.err;
}

TEST_F(DangerousEnv, InheritedDangerousNamesAreTrusted) {
    BroServer server(dir, "/usr/bin/env", {"--inherit-env", "PYTHONPATH"},
                     {"PYTHONPATH=/server/code"});
    const auto result = run_client(server, {});
    EXPECT_EQ(without_peer_variables(result.out), "PYTHONPATH=/server/code\n") << result.err;
}

}  // namespace
}  // namespace bro::test
