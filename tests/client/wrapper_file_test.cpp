#include "client/wrapper_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "captured_output.hpp"

namespace bro::test {
namespace {

using client::Diagnostics;
using client::is_wrapper_file_run;
using client::kMaxWrapperFileBytes;
using client::load_wrapper_file;
using client::parse_wrapper_file;

class WrapperFile : public ::testing::Test {
  protected:
    // Parses `text` as the file /usr/sbin/sendmail.
    std::optional<client::WrapperFile> parse(std::string_view text) {
        return parse_wrapper_file(std::vector<char>(text.begin(), text.end()), "/usr/sbin/sendmail",
                                  diagnostics);
    }

    CapturedOutput err;
    Diagnostics diagnostics{false, err.fd()};
};

std::vector<std::string> settings_of(const client::WrapperFile& file) {
    return {file.settings.begin(), file.settings.end()};
}

TEST_F(WrapperFile, SettingsAreKeptInFileOrder) {
    const auto file =
        parse("#!/usr/bin/bro-client\nBRO_SOCKET_PATH=/run/x.sock\nBRO_FILE_ARGS=1\n");
    ASSERT_TRUE(file) << err.take();
    EXPECT_EQ(settings_of(*file),
              (std::vector<std::string>{"BRO_SOCKET_PATH=/run/x.sock", "BRO_FILE_ARGS=1"}));
    EXPECT_EQ(err.take(), "");
}

TEST_F(WrapperFile, BlankLinesAndCommentsAreSkipped) {
    const auto file = parse("#!/usr/bin/bro-client\n\n# a comment\n   \n  # indented\nBRO_TTY=1\n");
    ASSERT_TRUE(file) << err.take();
    EXPECT_EQ(settings_of(*file), (std::vector<std::string>{"BRO_TTY=1"}));
}

TEST_F(WrapperFile, LeadingBlanksAreSkippedAndTheValueIsTakenLiterally) {
    const auto file = parse("#!/usr/bin/bro-client\n \tBRO_FILE_FLAGS= \"-C\" $X 'y' \n");
    ASSERT_TRUE(file) << err.take();
    EXPECT_EQ(settings_of(*file), (std::vector<std::string>{"BRO_FILE_FLAGS= \"-C\" $X 'y' "}));
}

TEST_F(WrapperFile, ACarriageReturnEndingALineIsNotPartOfTheValue) {
    const auto file = parse("#!/usr/bin/bro-client\r\nBRO_SOCKET_PATH=/run/x.sock\r\n");
    ASSERT_TRUE(file) << err.take();
    EXPECT_EQ(settings_of(*file), (std::vector<std::string>{"BRO_SOCKET_PATH=/run/x.sock"}));
}

TEST_F(WrapperFile, TheLastLineNeedsNoNewline) {
    const auto file = parse("#!/usr/bin/bro-client\nBRO_LOG=debug");
    ASSERT_TRUE(file) << err.take();
    EXPECT_EQ(settings_of(*file), (std::vector<std::string>{"BRO_LOG=debug"}));
}

TEST_F(WrapperFile, AnUnknownSettingNamesTheFileAndLine) {
    EXPECT_FALSE(parse("#!/usr/bin/bro-client\n# settings\nBRO_SOCKET=/run/x.sock\n"));
    EXPECT_EQ(err.take(),
              "bro-client: /usr/sbin/sendmail:3: unknown setting; the README lists the BRO_* "
              "settings bro-client reads: BRO_SOCKET=/run/x.sock\n");
}

TEST_F(WrapperFile, ASettingGivenTwiceIsRefused) {
    EXPECT_FALSE(parse("#!/usr/bin/bro-client\nBRO_TTY=1\nBRO_TTY=0\n"));
    EXPECT_EQ(err.take(), "bro-client: /usr/sbin/sendmail:3: setting given twice: BRO_TTY=0\n");
}

TEST_F(WrapperFile, ALineWithoutAnEqualsSignIsRefused) {
    EXPECT_FALSE(parse("#!/usr/bin/bro-client\nexport BRO_TTY\n"));
    EXPECT_EQ(err.take(),
              "bro-client: /usr/sbin/sendmail:2: expected NAME=value: export BRO_TTY\n");
}

TEST_F(WrapperFile, ANameOutsideCapitalsDigitsAndUnderscoreIsRefused) {
    EXPECT_FALSE(parse("#!/usr/bin/bro-client\nexport BRO_TTY=1\n"));
    EXPECT_EQ(err.take(),
              "bro-client: /usr/sbin/sendmail:2: expected NAME=value with NAME in capitals, digits "
              "and _: export BRO_TTY=1\n");
}

TEST_F(WrapperFile, AFileWithoutTheInterpreterLineIsRefusedAtLineOne) {
    EXPECT_FALSE(parse("BRO_SOCKET_PATH=/run/x.sock\n"));
    EXPECT_EQ(
        err.take(),
        "bro-client: /usr/sbin/sendmail:1: a wrapper file starts with #!/path/to/bro-client\n");
}

TEST_F(WrapperFile, ANulByteIsRefused) {
    EXPECT_FALSE(parse(std::string_view("#!/usr/bin/bro-client\nBRO_TTY=1\0\n", 33)));
    EXPECT_EQ(
        err.take(),
        "bro-client: /usr/sbin/sendmail: a wrapper file is text; this one holds a NUL byte\n");
}

TEST_F(WrapperFile, AFileAboveTheSizeLimitIsRefusedWithTheLimit) {
    char path[] = "/tmp/bro-wrapper-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string text = "#!/usr/bin/bro-client\n" + std::string(kMaxWrapperFileBytes, '#');
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    EXPECT_FALSE(load_wrapper_file(path, diagnostics));
    ::unlink(path);
    EXPECT_EQ(err.take(), "bro-client: " + std::string(path) +
                              ": a wrapper file may hold at most " +
                              std::to_string(kMaxWrapperFileBytes) + " bytes\n");
}

TEST_F(WrapperFile, AMissingFileNamesThePathAndTheError) {
    EXPECT_FALSE(load_wrapper_file("/nonexistent/bro-wrapper", diagnostics));
    EXPECT_EQ(err.take(),
              "bro-client: cannot open the wrapper file /nonexistent/bro-wrapper: No such file or "
              "directory (ENOENT)\n");
}

TEST(WrapperFileRun, IsRecognisedWhenTheKernelRanTheFileWithTheClientAsInterpreter) {
    const std::vector<std::string_view> argv{"/usr/bin/bro-client", "/usr/sbin/sendmail", "-t"};
    EXPECT_TRUE(is_wrapper_file_run(argv, "/usr/sbin/sendmail"));
}

TEST(WrapperFileRun, AFileArgumentOfADirectRunIsNotAWrapperFile) {
    // `bro-client /some/file`: the kernel executed bro-client itself.
    const std::vector<std::string_view> argv{"/usr/bin/bro-client", "/some/file"};
    EXPECT_FALSE(is_wrapper_file_run(argv, "/usr/bin/bro-client"));
}

TEST(WrapperFileRun, AClientRunWithoutArgumentsOrAuxiliaryVectorIsNotAWrapperFile) {
    const std::vector<std::string_view> alone{"/usr/bin/bro-client"};
    EXPECT_FALSE(is_wrapper_file_run(alone, "/usr/bin/bro-client"));
    const std::vector<std::string_view> argv{"/usr/bin/bro-client", "/some/file"};
    EXPECT_FALSE(is_wrapper_file_run(argv, nullptr));
}

TEST(WrapperFileRun, AClientExecutedUnderItsOwnPathAsArgumentOneIsNotAWrapperFile) {
    // argv[0] equal to the executed path means no interpreter line put it there.
    const std::vector<std::string_view> argv{"/x/tool", "/x/tool"};
    EXPECT_FALSE(is_wrapper_file_run(argv, "/x/tool"));
}

}  // namespace
}  // namespace bro::test
