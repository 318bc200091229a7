// parse_profile: from the profile flags, in command-line order, to the ordered list of typed
// operations every call gets.

#include "server/profile/profile_parser.hpp"

#include <sched.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace bro::server::profile {
namespace {

using Type = OperationType;

class ProfileParser : public ::testing::Test {
  protected:
    ProfileParser() {
        context.server_uid = 0;
        context.server_gid = 0;
    }

    // "--ro-bind /usr /usr --proc /proc" as ProfileFlags.
    static std::vector<ProfileFlag> flags(const std::vector<std::string>& words) {
        std::vector<ProfileFlag> result;
        for (const auto& word : words) {
            if (word.rfind("--", 0) == 0) {
                result.push_back({word.substr(2), {}});
            } else {
                result.back().values.push_back(word);
            }
        }
        return result;
    }

    ExecutionProfile parse(const std::vector<std::string>& words) const {
        return parse_profile(flags(words), context);
    }

    // The refusal's text, or "" when the flags were accepted.
    std::string refusal(const std::vector<std::string>& words) const {
        try {
            parse(words);
        } catch (const ProfileError& e) {
            return e.what();
        }
        return "";
    }

    static std::vector<Type> types(const ExecutionProfile& profile) {
        std::vector<Type> result;
        for (const auto& operation : profile.operations) result.push_back(operation.type);
        return result;
    }

    static std::vector<std::string> destinations(const ExecutionProfile& profile, Type type) {
        std::vector<std::string> result;
        for (const auto& operation : profile.operations) {
            if (operation.type == type) result.push_back(operation.destination);
        }
        return result;
    }

    static const Operation& first(const ExecutionProfile& profile, Type type) {
        for (const auto& operation : profile.operations) {
            if (operation.type == type) return operation;
        }
        throw std::runtime_error("no such operation");
    }

    ProfileContext context;
};

TEST_F(ProfileParser, NoFlagsGiveAnEmptyProfileWithoutAHolder) {
    const ExecutionProfile profile = parse({});
    EXPECT_TRUE(profile.empty());
    EXPECT_FALSE(profile.needs_holder());
    EXPECT_FALSE(profile.changes_root());
}

TEST_F(ProfileParser, FilesystemOperationsKeepTheOrderTheyWereGiven) {
    const auto profile =
        parse({"--tmpfs", "/b", "--ro-bind", "/usr", "/usr", "--dir", "/a", "--proc", "/proc"});
    EXPECT_EQ(types(profile),
              (std::vector<Type>{Type::kCreateNamespaces, Type::kMakeMountsSlave, Type::kCreateRoot,
                                 Type::kMountTmpfs, Type::kBind, Type::kMakeDirectory,
                                 Type::kMountProc, Type::kSwitchRoot, Type::kJoinSandbox}));
}

TEST_F(ProfileParser, StagesComeInTheirOwnOrderWhateverTheFlagsOrder) {
    const auto profile = parse({"--seccomp", "/f", "--cap-drop", "ALL", "--bind", "/a", "/a",
                                "--rlimit", "core=0", "--unshare-net"});
    std::vector<Stage> stages;
    for (const auto& operation : profile.operations) stages.push_back(stage_of(operation.type));
    EXPECT_TRUE(std::is_sorted(stages.begin(), stages.end())) << describe_profile(profile);
    EXPECT_EQ(profile.operations.front().type, Type::kSetResourceLimit);
    EXPECT_EQ(profile.operations.back().type, Type::kLoadSeccompFilter);
}

TEST_F(ProfileParser, DestinationsArePreparedUnderNewrootAndSourcesUnderOldroot) {
    const auto bind = first(parse({"--bind", "/srv/data", "/data//x/"}), Type::kBind);
    EXPECT_EQ(bind.destination, "/data/x");
    EXPECT_EQ(bind.destination_path, "/newroot/data/x");
    EXPECT_EQ(bind.source_path, "/oldroot/srv/data");
    const auto root = first(parse({"--ro-bind", "/", "/"}), Type::kBind);
    EXPECT_EQ(root.destination_path, "/newroot");
    EXPECT_EQ(root.source_path, "/oldroot");
}

TEST_F(ProfileParser, DestinationsOutsideTheNewRootAreRefused) {
    EXPECT_NE(refusal({"--tmpfs", "/a/../../etc"}).find("without '..'"), std::string::npos);
    EXPECT_NE(refusal({"--dir", "relative"}).find("absolute"), std::string::npos);
    EXPECT_NE(refusal({"--bind", "relative", "/x"}).find("absolute path on the host"),
              std::string::npos);
}

TEST_F(ProfileParser, BindFlavoursSetReadOnlyDevicesAndOptional) {
    const auto profile = parse({"--ro-bind-try", "/a", "/a", "--dev-bind", "/dev", "/dev"});
    const auto& ro = profile.operations[3];
    const auto& dev = profile.operations[4];
    EXPECT_TRUE(ro.read_only && ro.optional && !ro.devices);
    EXPECT_TRUE(dev.devices && !dev.read_only && !dev.optional);
}

TEST_F(ProfileParser, SizeAndPermsApplyToTheNextTmpfsOnly) {
    const auto profile =
        parse({"--size", "1048576", "--perms", "0700", "--tmpfs", "/a", "--tmpfs", "/b"});
    EXPECT_EQ(first(profile, Type::kMountTmpfs).data, "mode=0700,size=1048576");
    EXPECT_EQ(profile.operations[4].data, "mode=0755");
    EXPECT_EQ(profile.operations[4].destination, "/b");
}

TEST_F(ProfileParser, SizeFollowedByAnotherOperationIsRefused) {
    EXPECT_NE(refusal({"--size", "10", "--dir", "/a"}).find("must be followed by --tmpfs"),
              std::string::npos);
    EXPECT_NE(refusal({"--perms", "0700"}).find("must be followed"), std::string::npos);
    EXPECT_NE(refusal({"--perms", "999", "--dir", "/a"}).find("an octal number from 0 to 07777"),
              std::string::npos);
}

TEST_F(ProfileParser, UidAndGidAreMappedToTheServersInsideAUserNamespace) {
    context.server_uid = 1000;
    context.server_gid = 100;
    const auto profile = parse({"--unshare-user", "--uid", "0", "--gid", "5"});
    EXPECT_EQ(first(profile, Type::kWriteUidMap).data, "0 1000 1\n");
    EXPECT_EQ(first(profile, Type::kWriteGidMap).data, "5 100 1\n");
    EXPECT_EQ(first(profile, Type::kDenySetgroups).data, "deny");
    EXPECT_TRUE(profile.user_namespace());
    EXPECT_EQ(profile.uid_inside, 0u);
}

TEST_F(ProfileParser, NamespaceSettingsWithoutTheirNamespaceAreRefused) {
    EXPECT_NE(refusal({"--uid", "5"}).find("--unshare-user"), std::string::npos);
    EXPECT_NE(refusal({"--hostname", "box"}).find("--unshare-uts"), std::string::npos);
}

TEST_F(ProfileParser, AUserNamespaceAndAnotherIdentityAreRefused) {
    context.child_identity_switches = true;
    EXPECT_NE(refusal({"--unshare-user"}).find("--as-peer"), std::string::npos);
}

TEST_F(ProfileParser, UnshareAllCreatesEveryNamespaceAndAlwaysAMountNamespace) {
    const auto profile = parse({"--unshare-all"});
    EXPECT_EQ(profile.namespaces, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                                      CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP);
    EXPECT_TRUE(profile.program_in_new_pid_namespace());
    EXPECT_FALSE(profile.changes_root());
}

TEST_F(ProfileParser, UnshareAllLeavesTheUserNamespaceOutWhenTheIdentitySwitches) {
    context.child_identity_switches = true;
    EXPECT_EQ(parse({"--unshare-all"}).namespaces & CLONE_NEWUSER, 0);
}

TEST_F(ProfileParser, ShareNetUndoesAnEarlierUnshareNetOnly) {
    EXPECT_EQ(parse({"--unshare-all", "--share-net"}).namespaces & CLONE_NEWNET, 0);
    EXPECT_NE(parse({"--share-net", "--unshare-all"}).namespaces & CLONE_NEWNET, 0);
}

TEST_F(ProfileParser, ProcessAttributesAloneNeedNoHolder) {
    const auto profile = parse({"--no-new-privs", "--rlimit", "nofile=64:128", "--nice", "5"});
    EXPECT_FALSE(profile.needs_holder());
    const auto& limit = first(profile, Type::kSetResourceLimit);
    EXPECT_EQ(limit.limit.rlim_cur, 64u);
    EXPECT_EQ(limit.limit.rlim_max, 128u);
    EXPECT_EQ(first(profile, Type::kSetNice).number, 5);
}

TEST_F(ProfileParser, OneRlimitValueSetsBothLimits) {
    const auto limit = first(parse({"--rlimit", "core=unlimited"}), Type::kSetResourceLimit);
    EXPECT_EQ(limit.limit.rlim_cur, RLIM_INFINITY);
    EXPECT_EQ(limit.limit.rlim_max, RLIM_INFINITY);
    EXPECT_NE(refusal({"--rlimit", "nofile=10:5"}).find("NAME=SOFT[:HARD]"), std::string::npos);
    EXPECT_NE(refusal({"--rlimit", "files=10"}).find("NAME=SOFT[:HARD]"), std::string::npos);
}

TEST_F(ProfileParser, CapabilityChangesKeepTheirOrderAndAreReadBack) {
    const auto profile = parse({"--cap-drop", "ALL", "--cap-add", "net_bind_service"});
    EXPECT_EQ(types(profile), (std::vector<Type>{Type::kDropCapability, Type::kAddCapability,
                                                 Type::kApplyCapabilities}));
    EXPECT_EQ(profile.operations[0].number, -1);
    EXPECT_EQ(profile.operations[1].number, 10);  // CAP_NET_BIND_SERVICE
    EXPECT_NE(refusal({"--cap-add", "CAP_TELEPORT"}).find("unknown capability"), std::string::npos);
}

TEST_F(ProfileParser, CapabilitiesAreKeptAcrossASwitchToAnotherUser) {
    context.child_identity_switches = true;
    EXPECT_EQ(types(parse({"--cap-add", "CAP_NET_RAW"})).front(), Type::kKeepCapabilities);
    EXPECT_NE(types(parse({"--no-new-privs"})).front(), Type::kKeepCapabilities);
}

TEST_F(ProfileParser, SeccompImpliesNoNewPrivsJustBeforeIt) {
    const auto profile = parse({"--seccomp", "/etc/filter.bpf"});
    EXPECT_EQ(types(profile),
              (std::vector<Type>{Type::kSetNoNewPrivileges, Type::kLoadSeccompFilter}));
    EXPECT_EQ(profile.seccomp_file, "/etc/filter.bpf");
}

TEST_F(ProfileParser, BuildRootIsBrootsProfile) {
    const auto profile = parse({"--build-root", "/srv/root", "--src", "/home/me/proj:/src", "--out",
                                "/home/me/out", "--tmpfs-at", "/tmp"});
    const auto& root = first(profile, Type::kCreateRoot);
    EXPECT_TRUE(root.read_only);
    EXPECT_EQ(root.source_path, "/oldroot/srv/root");
    EXPECT_EQ(destinations(profile, Type::kMountProc), std::vector<std::string>{"/proc"});
    EXPECT_EQ(destinations(profile, Type::kMountDev), std::vector<std::string>{"/dev"});
    EXPECT_EQ(destinations(profile, Type::kMountTmpfs), std::vector<std::string>{"/tmp"});
    EXPECT_EQ(destinations(profile, Type::kBind),
              (std::vector<std::string>{"/sys", "/src", "/home/me/out"}));
    EXPECT_TRUE(profile.operations[profile.operations.size() - 2].type == Type::kDropCapability);
    EXPECT_EQ(profile.operations.back().type, Type::kApplyCapabilities);
    EXPECT_NE(profile.namespaces & CLONE_NEWNET, 0);
}

TEST_F(ProfileParser, BuildRootNeedsItsSourcesAndOutputAndTheyNeedIt) {
    EXPECT_NE(refusal({"--build-root", "/r", "--src", "/s"}).find("--out"), std::string::npos);
    EXPECT_NE(refusal({"--src", "/s"}).find("belong to --build-root"), std::string::npos);
    EXPECT_NE(refusal({"--build-root", "/r", "--src", "/s", "--out", "/o", "--pivot-root", "/p"})
                  .find("give one"),
              std::string::npos);
}

TEST_F(ProfileParser, TheSessionDirectoriesAreBoundIntoANewRootAtTheirOwnPath) {
    context.session_directories = "/var/lib/bro";
    const auto profile = parse({"--ro-bind", "/", "/"});
    EXPECT_EQ(destinations(profile, Type::kBind), (std::vector<std::string>{"/", "/var/lib/bro"}));
    EXPECT_EQ(profile.operations[profile.operations.size() - 3].source, "/var/lib/bro");
    EXPECT_TRUE(destinations(parse({"--unshare-net"}), Type::kBind).empty());
}

TEST_F(ProfileParser, ChdirReplacesTheCallersDirectoryButNotTogetherWithCwd) {
    EXPECT_EQ(parse({"--chdir", "/work"}).working_directory, "/work");
    context.cwd_given = true;
    EXPECT_NE(refusal({"--chdir", "/work"}).find("--cwd"), std::string::npos);
}

TEST_F(ProfileParser, ChrootChangesTheRootWithoutAHolder) {
    const auto profile = parse({"--chroot", "/srv/jail"});
    EXPECT_TRUE(profile.changes_root());
    EXPECT_FALSE(profile.needs_holder());
    EXPECT_EQ(types(profile), std::vector<Type>{Type::kChroot});
}

TEST_F(ProfileParser, TheEffectiveProfileIsPrintedStageByStage) {
    const std::string text = describe_profile(parse({"--rlimit", "core=0", "--unshare-net"}));
    EXPECT_LT(text.find("--rlimit core=0"), text.find("create namespaces: mount,net")) << text;
    EXPECT_NE(text.find("every call, entering the sandbox:"), std::string::npos) << text;
}

}  // namespace
}  // namespace bro::server::profile
