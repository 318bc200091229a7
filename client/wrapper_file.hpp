#pragma once
// Wrapper files: a tool replaced by bro without a shell. The file is installed where the tool
// was (say /usr/sbin/sendmail), executable, and reads
//
//   #!/usr/bin/bro-client
//   # comments and blank lines are ignored
//   BRO_SOCKET_PATH=/run/bro/sendmail.sock
//   BRO_FILE_FLAGS=-C
//
// The kernel runs it as `/usr/bin/bro-client /usr/sbin/sendmail ARGS...`: one exec instead of
// a shell's start-up plus an exec. Each line after the first is NAME=value, taken literally (no
// quotes, no expansion), and NAME must be one of the client's BRO_* settings. The settings
// override the caller's environment, as `export` lines in a shell wrapper do.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "client/diagnostics.hpp"

namespace bro::client {

// Bigger files are refused: a wrapper is a few settings.
inline constexpr std::size_t kMaxWrapperFileBytes = 64 << 10;

// True when the kernel started this process for a script whose interpreter line names it.
// The client reserves no flag for this: it compares argv[1] with the auxiliary vector's
// AT_EXECFN (the path the caller executed), which equals argv[1] only for a script run, and
// requires argv[0] (the interpreter, from the #! line) to differ from it. A user who runs
// `bro-client /some/file` has AT_EXECFN naming bro-client itself, so the argument stays an
// argument.
bool is_wrapper_file_run(std::span<const std::string_view> argv, const char* executed_path);

struct WrapperFile {
    std::vector<char> text;                  // the file's bytes; settings point into it
    std::vector<std::string_view> settings;  // "NAME=value", in file order
};

// Reads and checks the wrapper file at `path`. Errors (unreadable, too big, a line that is not
// a known BRO_* setting, a setting given twice) are reported as "PATH:LINE: ..." and give
// nullopt.
std::optional<WrapperFile> load_wrapper_file(const char* path, const Diagnostics& diagnostics);

// Parses the text of a wrapper file (first line: the #! line). Public for the tests.
std::optional<WrapperFile> parse_wrapper_file(std::vector<char> text, std::string_view path,
                                              const Diagnostics& diagnostics);

}  // namespace bro::client
