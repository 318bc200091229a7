#pragma once
// Turns the client's invocation (argv, environment, stdin, cwd, umask) into the Request frame,
// and opens the file arguments whose content follows it (content mode).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "client/environment.hpp"
#include "core/file_arguments.hpp"
#include "core/protocol.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {

// A file argument confirmed to be a regular file and opened for reading.
struct OpenedFileArgument {
    UniqueFd fd;            // closed by the relay once its content is sent
    std::string_view path;  // as the caller wrote it, for messages
    std::uint32_t argument_index = 0;
    std::uint32_t path_offset = 0;
    std::string_view basename;  // a view into the argument
};

struct ClientRequest {
    std::vector<std::uint8_t> frame;        // the complete Request frame, header included
    std::vector<OpenedFileArgument> files;  // in request order; their content follows
    protocol::StdinMode stdin_mode = protocol::StdinMode::kNone;
};

// kStreamed unless the caller gave no stdin (`stdin_was_closed`) or stdin is a terminal and
// capturing terminals was not asked for.
protocol::StdinMode choose_stdin_mode(int stdin_fd, bool stdin_was_closed, bool capture_tty_stdin);

// Opens the candidates `rules` finds in `arguments` that are regular files. Anything else (a
// directory, a FIFO, "-", a missing or unreadable path) stays a plain argument. Returns nullopt,
// after saying so, when there are more files than a server accepts.
std::optional<std::vector<OpenedFileArgument>> open_file_arguments(
    std::span<const std::string_view> arguments, const FileArgumentRules& rules,
    const Diagnostics& diagnostics);

// (name, value) for each name that is set, even to "", in list order, without duplicates.
std::vector<protocol::EnvironmentEntryView> collect_forwarded_environment(
    std::span<const std::string_view> names, const Environment& environment);

// The whole request for this process: also reads cwd and umask. `arguments` is argv[1..].
std::optional<ClientRequest> build_request(const ClientConfig& config,
                                           std::span<const std::string_view> arguments,
                                           const Environment& environment, bool stdin_was_closed,
                                           const Diagnostics& diagnostics);

}  // namespace bro::client
