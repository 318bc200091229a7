#include "ring/io_uring_refusal.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

namespace bro::ring {
namespace {

// A stand-in for /proc/sys with the two io_uring settings.
class FakeSysctl {
  public:
    FakeSysctl(const char* disabled, const char* group) {
        char pattern[] = "/tmp/bro-sysctl-XXXXXX";
        root_ = mkdtemp(pattern);
        mkdir((root_ + "/kernel").c_str(), 0755);
        if (disabled) std::ofstream(root_ + "/kernel/io_uring_disabled") << disabled << "\n";
        if (group) std::ofstream(root_ + "/kernel/io_uring_group") << group << "\n";
    }
    ~FakeSysctl() { std::system(("rm -rf '" + root_ + "'").c_str()); }
    const std::string& root() const { return root_; }

  private:
    std::string root_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(IoUringRefusal, TheSysctlTurningItOffIsNamedWithTheSettingThatFixesIt) {
    const FakeSysctl sysctl("2", "-1");
    const std::string text = explain_io_uring_refusal(EPERM, sysctl.root());
    EXPECT_TRUE(contains(text, "kernel.io_uring_disabled is 2")) << text;
    EXPECT_TRUE(contains(text, "sysctl -w kernel.io_uring_disabled=0")) << text;
}

TEST(IoUringRefusal, TheGroupLimitNamesTheGroup) {
    const FakeSysctl sysctl("1", "1234");
    const std::string text = explain_io_uring_refusal(EPERM, sysctl.root());
    EXPECT_TRUE(contains(text, "gid 1234")) << text;
}

TEST(IoUringRefusal, WithTheSysctlOpenASeccompFilterIsTheCause) {
    const FakeSysctl sysctl("0", "-1");
    const std::string text = explain_io_uring_refusal(EPERM, sysctl.root());
    EXPECT_TRUE(contains(text, "seccomp")) << text;
    EXPECT_TRUE(contains(text, "allow io_uring_setup")) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << "one line: " << text;
}

TEST(IoUringRefusal, AKernelWithoutIoUringSaysWhatIsNeeded) {
    const FakeSysctl sysctl(nullptr, nullptr);
    const std::string text = explain_io_uring_refusal(ENOSYS, sysctl.root());
    EXPECT_TRUE(contains(text, "CONFIG_IO_URING")) << text;
    EXPECT_TRUE(contains(text, "before 6.6")) << text;
}

}  // namespace
}  // namespace bro::ring
