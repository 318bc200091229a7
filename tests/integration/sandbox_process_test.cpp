// The profile's process attributes (dived's table), each read back from inside the program:
// /proc/self/status for capabilities, NoNewPrivs, Seccomp and groups, /proc/self/limits,
// the nice value, oom_score_adj and the securebits.

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <string>

#include "sandbox_fixture.hpp"

namespace bro::test {
namespace {

constexpr const char* kCapabilityLines = "grep '^Cap' /proc/self/status | cut -f2";

std::string five_times(const std::string& line) {
    std::string text;
    for (int i = 0; i < 5; ++i) text += line + "\n";
    return text;
}

class SandboxProcess : public SandboxTest {};

TEST_F(SandboxProcess, CapDropAllLeavesNoCapabilityInAnySet) {
    start({"--cap-drop", "ALL"});
    EXPECT_EQ(in_both_modes(kCapabilityLines), five_times("0000000000000000"));
}

TEST_F(SandboxProcess, CapAddAfterCapDropAllKeepsExactlyThatOne) {
    start({"--cap-drop", "ALL", "--cap-add", "CAP_NET_BIND_SERVICE"});
    EXPECT_EQ(in_both_modes(kCapabilityLines), five_times("0000000000000400"));
}

TEST_F(SandboxProcess, CapAddGivesAProgramRunAsAnotherUserThatCapability) {
    start({"--user", "nobody", "--cap-add", "CAP_NET_BIND_SERVICE"});
    EXPECT_EQ(in_both_modes("id -un; " + std::string(kCapabilityLines)),
              "nobody\n" + five_times("0000000000000400"));
}

TEST_F(SandboxProcess, AProgramRunAsAnotherUserGetsNoCapabilityUnlessAdded) {
    start({"--user", "nobody", "--cap-drop", "CAP_SYS_ADMIN"});
    EXPECT_EQ(in_both_modes(kCapabilityLines), five_times("0000000000000000"));
}

TEST_F(SandboxProcess, NoNewPrivsIsSet) {
    start({"--no-new-privs"});
    EXPECT_EQ(in_both_modes("grep NoNewPrivs /proc/self/status | cut -f2"), "1\n");
}

TEST_F(SandboxProcess, LockSecurebitsSetsAndLocksNoRootAndNoSetuidFixup) {
    start({"--lock-securebits"});
    // PR_GET_SECUREBITS is 27; NOROOT, NOROOT_LOCKED, NO_SETUID_FIXUP and its lock are 1+2+4+8.
    EXPECT_EQ(in_both_modes("python3 -c 'import ctypes; print(ctypes.CDLL(None).prctl(27, 0, 0, 0, "
                            "0))'"),
              "15\n");
}

TEST_F(SandboxProcess, RlimitIsInTheProgramsLimits) {
    start({"--rlimit", "nofile=64:128", "--rlimit", "core=0"});
    EXPECT_EQ(in_both_modes("grep -E 'Max (open files|core file size)' /proc/self/limits | "
                            "tr -s ' '"),
              "Max core file size 0 0 bytes \nMax open files 64 128 files \n");
}

TEST_F(SandboxProcess, NiceAndOomScoreAdjAreTheProgramsOwn) {
    start({"--nice", "7", "--oom-score-adj", "500"});
    EXPECT_EQ(in_both_modes("nice; cat /proc/self/oom_score_adj"), "7\n500\n");
}

TEST_F(SandboxProcess, SupplementaryGroupsAreSetWithAProfile) {
    start({"--groups", "4,24", "--no-new-privs"});
    EXPECT_EQ(in_both_modes("grep Groups /proc/self/status | cut -f2"), "4 24 \n");
}

#if defined(__x86_64__)
// A compiled cBPF program, as seccomp_export_bpf writes one: mkdir and mkdirat fail with EPERM.
std::string mkdir_denying_filter() {
    const sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdirat, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    return std::string(reinterpret_cast<const char*>(program), sizeof program);
}

TEST_F(SandboxProcess, ASeccompFilterFromAFileIsLoadedLastWithNoNewPrivs) {
    start({"--seccomp", dir.write_file("filter.bpf", mkdir_denying_filter())});
    EXPECT_EQ(in_both_modes("grep -E 'NoNewPrivs|Seccomp' /proc/self/status | cut -f2; "
                            "mkdir made 2>&1 | grep -c 'Operation not permitted'"),
              "1\n2\n1\n1\n");
}
#endif

TEST_F(SandboxProcess, ASeccompFileThatIsNotCompiledBpfIsRefusedAtStart) {
    const auto result =
        run_server({"--executable", "/bin/true", "--socket-path", dir.path() + "/s.sock",
                    "--seccomp", dir.write_file("filter.txt", "allow mkdir\n")});
    EXPECT_EQ(result.exit_code(), 2);
    EXPECT_NE(result.err.find("not a compiled cBPF program"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bro::test
