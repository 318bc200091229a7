// The audit record: one info line per call, with who called, what ran and how it ended.

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "bro_fixture.hpp"

namespace bro::test {
namespace {

using namespace std::chrono_literals;

class AuditRecord : public ::testing::Test {
  protected:
    // The record line of the server's only call (waited for: it is written as the session
    // ends, just after the client heard the exit status).
    static std::string record_of(const BroServer& server) {
        std::string line;
        eventually(
            [&] {
                const std::string log = server.log();
                const auto at = log.find(": call ");
                if (at == std::string::npos) return false;
                line = log.substr(at + 2, log.find('\n', at) - at - 2);
                return true;
            },
            10s);
        return line;
    }

    TempDir dir;
};

TEST_F(AuditRecord, AContentCallIsRecordedWithItsCallerBytesAndOutcome) {
    BroServer server(dir, "/bin/cat");
    const std::string file = dir.write_file("input", "0123456789");  // 10 bytes
    const auto result = run_client(
        server, {.args = {file}, .environment = {"BRO_FILE_ARGS=1"}, .stdin_data = "abc"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    const std::string record = record_of(server);
    const std::vector<std::string> fields = {"uid=" + std::to_string(getuid()),
                                             "gid=" + std::to_string(getgid()),
                                             "mode=content",
                                             "argc=1",
                                             "cwd=",
                                             "outcome=\"exited with 0\"",
                                             "in=13 ",  // the file and 3 stdin bytes
                                             "out=10"};
    for (const std::string& field : fields) {
        EXPECT_NE(record.find(field), std::string::npos) << field << " in: " << record;
    }
    EXPECT_EQ(record.find("args="), std::string::npos) << "arguments without --log-arguments";
}

TEST_F(AuditRecord, StdinCountsAsBytesIn) {
    BroServer server(dir, "/bin/cat");
    const auto result = run_client(server, {.stdin_data = "twelve bytes"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    const std::string record = record_of(server);
    EXPECT_NE(record.find(" in=12 out=12"), std::string::npos) << record;
}

// Past a few KiB, stdin goes socket -> pipe and output pipe -> socket by splice, never
// through a buffer of the server's: those bytes count as well.
TEST_F(AuditRecord, SplicedStdinAndOutputAreCountedToTheByte) {
    BroServer server(dir, "/bin/cat");
    const std::string input(3 << 20, 'x');  // 3 MiB: many frames, each spliced
    const auto result = run_client(server, {.stdin_data = input});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    ASSERT_EQ(result.out.size(), input.size());
    const std::string record = record_of(server);
    EXPECT_NE(record.find(" in=3145728 out=3145728"), std::string::npos) << record;
}

TEST_F(AuditRecord, TheArgumentsAppearOnlyWithLogArguments) {
    BroServer server(dir, "/bin/echo", {"--log-arguments"});
    ASSERT_EQ(run_client(server, {.args = {"plain", "with space"}}).exit_code(), 0);
    const std::string record = record_of(server);
    EXPECT_NE(record.find("argc=2 args=[plain \"with space\"]"), std::string::npos) << record;
}

TEST_F(AuditRecord, ARefusedCallIsRecordedAsRefused) {
    BroServer server(dir, "/bin/echo", {"--no-client-args"});
    EXPECT_EQ(run_client(server, {.args = {"x"}}).exit_code(), 125);
    const std::string record = record_of(server);
    EXPECT_NE(record.find("outcome=\"refused: this server takes no arguments"), std::string::npos)
        << record;
}

TEST_F(AuditRecord, AnFdModeCallIsRecordedAsOne) {
    BroServer server(dir, "/bin/true", {"--fd-passing"});
    ASSERT_EQ(run_client(server, {}).exit_code(), 0);
    const std::string record = record_of(server);
    EXPECT_NE(record.find("mode=fd argc=0"), std::string::npos) << record;
    EXPECT_NE(record.find("outcome=\"exited with 0\""), std::string::npos) << record;
}

}  // namespace
}  // namespace bro::test
