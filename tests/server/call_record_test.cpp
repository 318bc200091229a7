// The audit record: one parseable line per call.

#include "server/call_record.hpp"

#include <gtest/gtest.h>

#include "server/peer_cgroup.hpp"

namespace bro::server {
namespace {

CallRecord a_call() {
    CallRecord record;
    record.tool = "cc";
    record.pid = 4242;
    record.uid = 1000;
    record.gid = 100;
    record.cgroup = "/user.slice/user-1000.slice/session-2.scope";
    record.mode = "content";
    record.argument_count = 3;
    record.cwd = "/home/me/src";
    record.outcome = "exited 0";
    record.duration = std::chrono::microseconds(12400);
    record.bytes_in = 5120;
    record.bytes_out = 88;
    return record;
}

TEST(CallRecord, HoldsEveryFieldAsKeyEqualsValue) {
    EXPECT_EQ(format_call_record(a_call()),
              "call tool=cc uid=1000 gid=100 pid=4242 unit=session-2.scope "
              "cgroup=/user.slice/user-1000.slice/session-2.scope mode=content argc=3 "
              "cwd=/home/me/src outcome=\"exited 0\" ms=12.400 in=5120 out=88");
}

TEST(CallRecord, LeavesOutTheArgumentsUnlessAsked) {
    CallRecord record = a_call();
    EXPECT_EQ(format_call_record(record).find("args="), std::string::npos);
    record.arguments = std::vector<std::string>{"-c", "x y.c", "a\"b"};
    EXPECT_NE(format_call_record(record).find(" args=[-c \"x y.c\" \"a\\\"b\"] "),
              std::string::npos)
        << format_call_record(record);
}

TEST(CallRecord, ACallerChosenValueCannotForgeAField) {
    CallRecord record = a_call();
    record.cwd = "/tmp/x outcome=\"exited 0\"\nforged";
    const std::string line = format_call_record(record);
    EXPECT_NE(line.find("cwd=\"/tmp/x outcome=\\\"exited 0\\\"\\nforged\""), std::string::npos)
        << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(CallRecord, ValuesArePlainOrQuotedWithEscapes) {
    EXPECT_EQ(record_value("LANG=C.UTF-8"), "LANG=C.UTF-8");
    EXPECT_EQ(record_value(""), "\"\"");
    EXPECT_EQ(record_value("tab\there"), "\"tab\\there\"");
    EXPECT_EQ(record_value(std::string("\x01", 1)), "\"\\x01\"");
}

TEST(CallRecord, TheUnitIsTheServiceOrScopeACgroupEndsIn) {
    EXPECT_EQ(unit_of_cgroup("/system.slice/nginx.service"), "nginx.service");
    EXPECT_EQ(unit_of_cgroup("/user.slice/user-1000.slice/session-2.scope"), "session-2.scope");
    EXPECT_EQ(unit_of_cgroup("/user.slice"), "");
    EXPECT_EQ(unit_of_cgroup(""), "");
}

}  // namespace
}  // namespace bro::server
