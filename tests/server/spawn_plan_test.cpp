// plan_spawn: what a child starts with, from the configuration and the request alone.

#include "server/spawn_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bro::server {
namespace {

using protocol::FileArgument;
using protocol::Request;
using protocol::TransferMode;

class SpawnPlanTest : public ::testing::Test {
  protected:
    SpawnPlanTest() {
        config.executable = "/usr/bin/tool";
        request.cwd = "/home/caller/project";
        request.umask = 027;
        peer.uid = 1000;
        peer.gid = 100;
        peer.pid = 4242;
    }

    SpawnRequest plan(std::vector<std::string> file_paths = {}, std::string fallback = "/",
                      int cwd_fd = -1, bool cwd_unusable = false) {
        paths = std::move(file_paths);
        const EnvPolicy env_policy(allowed_env, inherited_env);
        const SpawnPolicy policy{config, env_policy, server_environment.data()};
        return plan_spawn(
            policy, {request, peer, {0, 1, 2, false}, paths, {}, cwd_fd, fallback, cwd_unusable},
            [&](std::string_view name) { refused.emplace_back(name); });
    }

    ServerConfig config;
    Request request;
    PeerCredentials peer;
    std::vector<std::string> allowed_env;
    std::vector<std::string> inherited_env;
    std::vector<const char*> server_environment = {"LANG=C.UTF-8", "SECRET=server", nullptr};
    std::vector<std::string> paths;
    std::vector<std::string> refused;
};

TEST_F(SpawnPlanTest, TheServersExecutableRunsWithTheCallersArgumentsAfterArgv0) {
    request.arguments = {"-v", "input"};
    const SpawnRequest spawn = plan();
    EXPECT_EQ(spawn.executable, "/usr/bin/tool");
    EXPECT_EQ(spawn.argv, (std::vector<std::string>{"/usr/bin/tool", "-v", "input"}));
}

TEST_F(SpawnPlanTest, Argv0AndPrependedArgumentsComeBeforeTheCallersOnes) {
    config.argv0 = "tool";
    config.prepend_args = {"--safe", "--quiet"};
    request.arguments = {"x"};
    EXPECT_EQ(plan().argv, (std::vector<std::string>{"tool", "--safe", "--quiet", "x"}));
}

TEST_F(SpawnPlanTest, FileArgumentsPointAtTheirCopiesAfterTheFlagPrefix) {
    config.prepend_args = {"--fixed"};
    request.arguments = {"-Cmain.cf", "--out=x", "notes.txt"};
    request.files = {FileArgument{0, 2, "main.cf"}, FileArgument{2, 0, "notes.txt"}};
    const SpawnRequest spawn = plan({"/tmp/s/0/main.cf", "/tmp/s/1/notes.txt"});
    EXPECT_EQ(spawn.argv,
              (std::vector<std::string>{"/usr/bin/tool", "--fixed", "-C/tmp/s/0/main.cf", "--out=x",
                                        "/tmp/s/1/notes.txt"}));
}

TEST_F(SpawnPlanTest, TheEnvironmentHoldsOnlyAllowedVariablesAndTheCallersIdentity) {
    allowed_env = {"LANG_WANTED"};
    inherited_env = {"LANG"};
    request.environment = {{"LANG_WANTED", "yes"}, {"EVIL", "no"}};
    const SpawnRequest spawn = plan();
    EXPECT_EQ(spawn.environment,
              (std::vector<std::string>{"LANG_WANTED=yes", "LANG=C.UTF-8", "BRO_PEER_UID=1000",
                                        "BRO_PEER_GID=100", "BRO_PEER_PID=4242"}));
    EXPECT_EQ(refused, std::vector<std::string>{"EVIL"});
}

TEST_F(SpawnPlanTest, ACallerCannotForgeItsIdentityVariables) {
    allowed_env = {"BRO_PEER_UID"};
    request.environment = {{"BRO_PEER_UID", "0"}};
    const SpawnRequest spawn = plan();
    EXPECT_EQ(std::count(spawn.environment.begin(), spawn.environment.end(), "BRO_PEER_UID=0"), 0);
    EXPECT_EQ(std::count(spawn.environment.begin(), spawn.environment.end(), "BRO_PEER_UID=1000"),
              1);
}

TEST_F(SpawnPlanTest, TheCallersDirectoryWithAFallbackUnderCwdCaller) {
    const SpawnRequest spawn = plan({}, "/tmp/bro-1-session");
    EXPECT_EQ(spawn.working_directory, "/home/caller/project");
    EXPECT_EQ(spawn.fallback_directory, "/tmp/bro-1-session");
    EXPECT_EQ(spawn.working_directory_fd, -1);
}

TEST_F(SpawnPlanTest, CwdCallerStrictHasNoFallback) {
    config.cwd_policy = CwdPolicy::kCallerStrict;
    const SpawnRequest spawn = plan({}, "/tmp/bro-1-session");
    EXPECT_EQ(spawn.working_directory, "/home/caller/project");
    EXPECT_TRUE(spawn.fallback_directory.empty());
}

TEST_F(SpawnPlanTest, AFixedCwdIgnoresTheCallersDirectory) {
    config.cwd_policy = CwdPolicy::kFixed;
    config.fixed_cwd = "/srv";
    const SpawnRequest spawn = plan();
    EXPECT_EQ(spawn.working_directory, "/srv");
    EXPECT_TRUE(spawn.fallback_directory.empty());
}

TEST_F(SpawnPlanTest, TheCallersDirectoryDescriptorIsEnteredWhenTheRootIsTheHosts) {
    EXPECT_EQ(plan({}, "/", 27).working_directory_fd, 27);
}

TEST_F(SpawnPlanTest, InAChangedRootTheCallersDirectoryIsLookedUpByPathNotByDescriptor) {
    for (const bool sandbox_root : {true, false}) {
        config.profile.builds_root = sandbox_root;
        config.profile.chroots = !sandbox_root;
        const SpawnRequest spawn = plan({}, "/", 27);
        EXPECT_EQ(spawn.working_directory_fd, -1) << "a descriptor from outside escapes the root";
        EXPECT_EQ(spawn.working_directory, "/home/caller/project");
        EXPECT_EQ(spawn.fallback_directory, "/");
    }
}

TEST_F(SpawnPlanTest, ChdirReplacesTheCallersDirectoryAndItsFallback) {
    config.profile.working_directory = "/work";
    const SpawnRequest spawn = plan({}, "/tmp/bro-1-session", 27);
    EXPECT_EQ(spawn.working_directory, "/work");
    EXPECT_EQ(spawn.working_directory_fd, -1);
    EXPECT_TRUE(spawn.fallback_directory.empty());
}

TEST_F(SpawnPlanTest, AResolvedDirectoryIsEnteredByItsDescriptor) {
    const SpawnRequest spawn = plan({}, "/tmp/bro-1-session", 17);
    EXPECT_EQ(spawn.working_directory_fd, 17);
    EXPECT_EQ(spawn.working_directory, "/home/caller/project");  // for messages
}

TEST_F(SpawnPlanTest, AnUnusableCallersDirectoryRunsTheChildInTheFallbackAtOnce) {
    const SpawnRequest spawn = plan({}, "/tmp/bro-1-session", -1, true);
    EXPECT_EQ(spawn.working_directory, "/tmp/bro-1-session");
    EXPECT_EQ(spawn.working_directory_fd, -1);
    EXPECT_TRUE(spawn.fallback_directory.empty());
}

TEST_F(SpawnPlanTest, AFixedCwdIsEnteredByItsResolvedDescriptor) {
    config.cwd_policy = CwdPolicy::kFixed;
    config.fixed_cwd = "/srv";
    const SpawnRequest spawn = plan({}, "/", 23);
    EXPECT_EQ(spawn.working_directory_fd, 23);
    EXPECT_EQ(spawn.working_directory, "/srv");
}

TEST_F(SpawnPlanTest, TheChildGetsTheCallersUmask) {
    EXPECT_EQ(plan().umask, 027u);
}

TEST_F(SpawnPlanTest, TheChildKeepsTheServersIdentityUnlessConfigured) {
    EXPECT_FALSE(plan().identity.has_value());
    config.run_as = ChildIdentity{65534, 65534, {}};
    ASSERT_TRUE(plan().identity.has_value());
    EXPECT_EQ(plan().identity->uid, 65534u);
}

TEST_F(SpawnPlanTest, AsPeerRunsTheChildAsTheCaller) {
    config.run_as_peer = true;
    peer.groups = {100, 27};
    const auto identity = plan().identity;
    ASSERT_TRUE(identity.has_value());
    EXPECT_EQ(identity->uid, 1000u);
    EXPECT_EQ(identity->gid, 100u);
    EXPECT_EQ(identity->groups, (std::vector<gid_t>{100, 27}));
}

TEST(ReceivedFdPlan, StdioFilesForwardedFdsAndTheDirectoryInOrder) {
    Request request;
    request.mode = TransferMode::kFdPassing;
    request.arguments = {"a", "b", "c"};
    // The second argument names the first file again: one descriptor serves both.
    request.files = {FileArgument{0, 0, "a"}, FileArgument{1, 0, "a", 0}, FileArgument{2, 0, "c"}};
    request.forwarded_fds = {4, 9};
    request.carries_cwd = true;
    // stdin, stdout, stderr, file a, file c, forwarded 4, forwarded 9, cwd
    const std::vector<int> received = {20, 21, 22, 23, 24, 25, 26, 27};
    const ReceivedFdPlan plan = plan_received_fds(request, received);
    EXPECT_EQ(plan.stdio.stdin_fd, 20);
    EXPECT_EQ(plan.stdio.stdout_fd, 21);
    EXPECT_EQ(plan.stdio.stderr_fd, 22);
    // Files take 3 and then 5, skipping the forwarded 4.
    EXPECT_EQ(plan.file_paths, (std::vector<std::string>{"/dev/fd/3", "/dev/fd/3", "/dev/fd/5"}));
    ASSERT_EQ(plan.extra_fds.size(), 4u);
    const std::vector<std::pair<int, int>> mapped = {
        {plan.extra_fds[0].source, plan.extra_fds[0].target},
        {plan.extra_fds[1].source, plan.extra_fds[1].target},
        {plan.extra_fds[2].source, plan.extra_fds[2].target},
        {plan.extra_fds[3].source, plan.extra_fds[3].target}};
    EXPECT_EQ(mapped, (std::vector<std::pair<int, int>>{{23, 3}, {24, 5}, {25, 4}, {26, 9}}));
    EXPECT_EQ(plan.cwd_fd, 27);
}

TEST(ReceivedFdPlan, NoDirectoryDescriptorWhenTheRequestCarriesNone) {
    Request request;
    request.mode = TransferMode::kFdPassing;
    const std::vector<int> received = {10, 11, 12};
    const ReceivedFdPlan plan = plan_received_fds(request, received);
    EXPECT_EQ(plan.cwd_fd, -1);
    EXPECT_TRUE(plan.extra_fds.empty());
}

}  // namespace
}  // namespace bro::server
