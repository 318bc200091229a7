#pragma once
// Turns the client's invocation (argv, environment, stdin, cwd, umask) into the Request frame,
// and opens the file arguments whose content follows it (content mode) or whose descriptors
// travel with it (fd-passing mode).

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "core/file_arguments.hpp"
#include "core/request_encoding.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

// How file arguments are opened. Content mode only reads them. Fd-passing hands the
// descriptor to the program, which may write through it (`tee FILE`, `sort -o FILE`) and must
// then change the caller's file, so it is opened read-write where the caller may write.
enum class FileAccess { kRead, kReadWrite };

// A file argument confirmed to be a regular file and opened.
struct OpenedFileArgument {
    UniqueFd fd;            // closed once its content (or the descriptor) is sent
    std::string_view path;  // as the caller wrote it, for messages
    std::uint32_t argument_index = 0;
    std::uint32_t path_offset = 0;
    std::string_view basename;  // a view into the argument
    // kOwnFile, or the index of the earlier file argument naming the same file (then `fd` is
    // closed: that one's content or descriptor serves both).
    std::uint32_t same_as = protocol::kOwnFile;
    dev_t device = 0;  // identity, to find a file named twice
    ino_t inode = 0;

    bool own_file() const { return same_as == protocol::kOwnFile; }
};

struct ClientRequest {
    std::vector<std::uint8_t> frame;        // the complete Request frame, header included
    std::vector<OpenedFileArgument> files;  // in request order; content or fds follow
    // Content mode: kStreamed means StdinData frames follow. Fd-passing: kStreamed means the
    // real fd 0 is passed, kNone that /dev/null goes in its place.
    protocol::StdinMode stdin_mode = protocol::StdinMode::kNone;
    // Content mode, stdin a seekable file: its offset before the call. The server reports how
    // much the program consumed, and the client leaves the offset there afterwards.
    std::optional<off_t> stdin_start;
    // Content mode, streamed: stdin is a pipe, whose content the relay splices.
    bool stdin_is_pipe = false;
};

struct RequestOptions {
    protocol::TransferMode mode = protocol::TransferMode::kContent;
    std::span<const std::uint32_t> forwarded_fds = {};  // fd-passing only: the child's numbers
    bool carries_cwd = false;  // fd-passing only: a descriptor of the cwd follows the others
    // Content mode only: a terminal session of this initial size (stdin is then streamed).
    std::optional<protocol::WindowSize> terminal = {};
    // With `terminal` only: the caller's terminal settings, for the new terminal.
    std::optional<protocol::TerminalModes> terminal_modes = {};
};

// kStreamed unless BRO_STDIN=none, the caller gave no stdin (`stdin_was_closed`), or stdin
// is a terminal and capturing terminals was not asked for. `known`: stdin's fstat(), when the
// caller has it (only a character device is then asked whether it is a terminal).
protocol::StdinMode choose_stdin_mode(int stdin_fd, bool stdin_was_closed,
                                      const ClientConfig& config,
                                      const struct stat* known = nullptr);

// Opens the candidates `rules` finds in `arguments` that are regular files. Anything else (a
// directory, a FIFO, "-", a missing or unreadable path) stays a plain argument. kReadWrite
// falls back to read-only where writing is not allowed. How many a request may carry is the
// server's to say (bro-server --max-file-args), so no count is checked here.
std::vector<OpenedFileArgument> open_file_arguments(std::span<const std::string_view> arguments,
                                                    const FileArgumentRules& rules,
                                                    FileAccess access,
                                                    const Diagnostics& diagnostics);

// (name, value) for each name that is set, even to "", in list order, without duplicates.
std::vector<protocol::EnvironmentEntryView> collect_forwarded_environment(
    std::span<const std::string_view> names, const Environment& environment);

// The whole request for this process: also reads cwd and umask. `arguments` is argv[1..].
// File arguments are opened read-write in fd-passing mode, read-only in content mode. It
// cannot fail: what cannot be read (a file argument, the cwd) is left out and said at debug
// level, and every limit is the server's to check.
ClientRequest build_request(const ClientConfig& config, std::span<const std::string_view> arguments,
                            const Environment& environment, bool stdin_was_closed,
                            const RequestOptions& options, const Diagnostics& diagnostics);

}  // namespace bro::client
