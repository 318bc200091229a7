#include "server/privilege_warnings.hpp"

#include <gtest/gtest.h>

namespace bro::server {
namespace {

TEST(PrivilegeWarnings, ARootServerWithoutAnIdentityIsWarnedAbout) {
    const auto warnings = privilege_warnings(ServerConfig{}, 0);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("runs programs as root"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("--user"), std::string::npos) << warnings[0];
}

TEST(PrivilegeWarnings, AnIdentityOrAnUnprivilegedServerNeedsNoWarning) {
    ServerConfig as_user;
    as_user.run_as = ChildIdentity{65534, 65534, {}};
    ServerConfig as_peer;
    as_peer.run_as_peer = true;
    EXPECT_TRUE(privilege_warnings(as_user, 0).empty());
    EXPECT_TRUE(privilege_warnings(as_peer, 0).empty());
    EXPECT_TRUE(privilege_warnings(ServerConfig{}, 1000).empty());
}

}  // namespace
}  // namespace bro::server
