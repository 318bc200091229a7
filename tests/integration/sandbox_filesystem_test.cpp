// The profile's filesystem operations, each seen from inside the program (its mountinfo, stat,
// writes that fail or reach the host), in both transfer modes; and an operation that cannot be
// carried out, named with its path.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

// An empty tmpfs root with just enough to run /bin/sh, coreutils and awk (a Debian alternative),
// /proc and /dev.
std::vector<std::string> minimal_root(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {"--ro-bind",
                                      "/etc/alternatives",
                                      "/etc/alternatives",
                                      "--ro-bind",
                                      "/usr",
                                      "/usr",
                                      "--symlink",
                                      "usr/bin",
                                      "/bin",
                                      "--symlink",
                                      "usr/lib",
                                      "/lib",
                                      "--symlink",
                                      "usr/lib64",
                                      "/lib64",
                                      "--symlink",
                                      "usr/sbin",
                                      "/sbin",
                                      "--proc",
                                      "/proc",
                                      "--dev",
                                      "/dev"};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

// The mount options of the mount at `point`, as the sandbox's mountinfo gives them.
std::string mount_options_script(const std::string& point) {
    return "awk '$5 == \"" + point + "\" { print $6 }' /proc/self/mountinfo | tail -n 1";
}

// The filesystem type, source and superblock options of the mount at `point` (what mountinfo
// lists after its " - ").
std::string filesystem_script(const std::string& point) {
    return "grep ' " + point + " ' /proc/self/mountinfo | tail -n 1 | sed 's/.* - //'";
}

class SandboxFilesystem : public SandboxTest {};

TEST_F(SandboxFilesystem, ARoBindIsReadOnlyInsideAndSoIsEveryMountBelowIt) {
    ASSERT_EQ(mkdir((dir.path() + "/data").c_str(), 0755), 0);
    start(minimal_root({"--ro-bind", dir.path() + "/data", "/data", "--ro-bind", "/", "/host"}));
    const std::string seen =
        in_both_modes(mount_options_script("/data") + "; " + mount_options_script("/host/proc") +
                      "; touch /data/x 2>&1 | grep -c 'Read-only file system'");
    EXPECT_EQ(seen, "ro,nosuid,nodev,relatime\nro,nosuid,nodev,relatime\n1\n");
}

TEST_F(SandboxFilesystem, ABindIsWritableAndItsWritesReachTheHost) {
    ASSERT_EQ(mkdir((dir.path() + "/out").c_str(), 0755), 0);
    start(minimal_root({"--bind", dir.path() + "/out", "/out"}));
    in_both_modes("echo written >> /out/file");
    EXPECT_EQ(read_file(dir.path() + "/out/file"), "written\nwritten\n");
}

TEST_F(SandboxFilesystem, ABindTrySkipsAMissingSource) {
    start(minimal_root({"--bind-try", "/nonexistent", "/missing"}));
    EXPECT_EQ(in_both_modes("test -e /missing || echo skipped"), "skipped\n");
}

TEST_F(SandboxFilesystem, DeviceNodesWorkThroughADevBindOnly) {
    start({"--ro-bind", "/", "/", "--bind", "/dev", "/dev"});
    EXPECT_EQ(in_both_modes("head -c 4 /dev/zero 2>&1 | grep -c 'Permission denied'"), "1\n");
    start({"--ro-bind", "/", "/", "--dev-bind", "/dev", "/dev"});
    EXPECT_EQ(in_both_modes("head -c 4 /dev/zero | wc -c"), "4\n");
}

TEST_F(SandboxFilesystem, RemountRoMakesThatOneMountReadOnly) {
    ASSERT_EQ(mkdir((dir.path() + "/w").c_str(), 0755), 0);
    start(minimal_root({"--bind", dir.path() + "/w", "/w", "--remount-ro", "/w"}));
    EXPECT_EQ(in_both_modes(mount_options_script("/w") +
                            "; touch /w/x 2>&1 | grep -c 'Read-only file system'"),
              "ro,nosuid,nodev,relatime\n1\n");
}

TEST_F(SandboxFilesystem, ATmpfsGetsItsSizeAndPermissions) {
    start(minimal_root({"--size", "1048576", "--perms", "0700", "--tmpfs", "/scratch"}));
    EXPECT_EQ(in_both_modes(filesystem_script("/scratch") + "; stat -c %a /scratch"),
              "tmpfs tmpfs rw,size=1024k,mode=700\n700\n");
}

TEST_F(SandboxFilesystem, ProcBelongsToTheNewPidNamespaceAndItsSysIsReadOnly) {
    start(minimal_root({"--unshare-pid"}));
    EXPECT_EQ(
        in_both_modes("cat /proc/1/comm; " + mount_options_script("/proc/sys") + " | cut -d, -f1"),
        "bro-server\nro\n");
}

TEST_F(SandboxFilesystem, DevHoldsTheHarmlessNodesAndANewDevptsInstance) {
    start(minimal_root());
    EXPECT_EQ(
        in_both_modes(std::string("ls /dev | tr '\\n' ' '; echo; ") +
                      filesystem_script("/dev/pts") + "; echo x > /dev/null && readlink /dev/fd"),
        "core fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
        "devpts devpts rw,mode=620,ptmxmode=666\n/proc/self/fd\n");
}

TEST_F(SandboxFilesystem, MqueueIsMountedWhereAsked) {
    start(minimal_root({"--unshare-ipc", "--mqueue", "/dev/mqueue"}));
    EXPECT_EQ(in_both_modes(filesystem_script("/dev/mqueue")), "mqueue mqueue rw\n");
}

TEST_F(SandboxFilesystem, DirSymlinkAndChmodMakeWhatTheySay) {
    start(minimal_root({"--perms", "0710", "--dir", "/made/here", "--symlink", "/usr/share",
                        "/share", "--tmpfs", "/t", "--chmod", "0701", "/t"}));
    EXPECT_EQ(in_both_modes("stat -c %a /made /made/here /t; readlink /share"),
              "755\n710\n701\n/usr/share\n");
}

TEST_F(SandboxFilesystem, ChdirStartsTheProgramThereInsteadOfInTheCallersDirectory) {
    start(minimal_root({"--chdir", "/usr/share"}));
    EXPECT_EQ(in_both_modes("pwd"), "/usr/share\n");
}

TEST_F(SandboxFilesystem, PivotRootMakesAnExistingDirectoryTheRoot) {
    ASSERT_EQ(mkdir((dir.path() + "/root").c_str(), 0755), 0);
    dir.write_file("root/marker", "the operator's root\n");
    std::vector<std::string> flags = {"--pivot-root", dir.path() + "/root"};
    for (const auto& flag : minimal_root()) flags.push_back(flag);
    start(flags);
    EXPECT_EQ(in_both_modes("cat /marker"), "the operator's root\n");
}

TEST_F(SandboxFilesystem, ChrootRunsTheProgramInADirectoryOfTheSandbox) {
    start({"--tmpfs", "/jail", "--ro-bind", "/usr", "/jail/usr", "--symlink", "usr/bin",
           "/jail/bin", "--symlink", "usr/lib", "/jail/lib", "--symlink", "usr/lib64",
           "/jail/lib64", "--chroot", "/jail"});
    EXPECT_EQ(in_both_modes("echo /*"), "/bin /lib /lib64 /usr\n");
}

TEST_F(SandboxFilesystem, AMissingSourceStopsTheServerNamingTheOperationAndPath) {
    const auto result = run_server({"--executable", "/bin/true", "--socket-path",
                                    dir.path() + "/s.sock", "--ro-bind", "/nonexistent", "/x"});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(result.err.find("--ro-bind /nonexistent /x: stat /nonexistent: No such file or "
                              "directory"),
              std::string::npos)
        << result.err;
}

TEST_F(SandboxFilesystem, WithAFreshSandboxAMissingSourceFailsTheCallNamingIt) {
    start({"--ro-bind", "/nonexistent", "/x", "--fresh-sandbox"});
    for (const std::string mode : {"content", "fd"}) {
        const auto result = call(mode, "true");
        EXPECT_EQ(result.exit_code(), 126) << mode;
        EXPECT_NE(result.err.find("could not apply the execution profile: No such file or "
                                  "directory (ENOENT) (--ro-bind /nonexistent /x: stat "
                                  "/nonexistent)"),
                  std::string::npos)
            << mode << ": " << result.err;
    }
}

TEST_F(SandboxFilesystem, AMountPointThatCannotBeCreatedIsNamed) {
    const auto result = run_server({"--executable", "/bin/true", "--check", "--build-root", "/",
                                    "--src", "/usr:/no/such/dir", "--out", dir.path()});
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_NE(result.out.find("--src /usr:/no/such/dir (read-only): create the mount point "
                              "/no/such/dir: Read-only file system"),
              std::string::npos)
        << result.out;
}

}  // namespace
}  // namespace bro::test
