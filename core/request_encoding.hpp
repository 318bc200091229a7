#pragma once
// The client's side of a Request frame: views over the caller's own memory (argv, environ,
// the cwd buffer), so encoding copies each byte once and owns nothing. Client-safe (wire.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/wire.hpp"

namespace bro::protocol {

// A file argument: argument `argument_index` (0 = first argument after the program) names a
// file from byte `path_offset` on ("--file=x" has offset 7, "-Cx" offset 2, "x" offset 0).
// Its content follows the request as FileData frames ended by FileEnd, in request order.
// An argument naming the same file as an earlier one (same device and inode) sets `same_as` to
// that one's index instead: the file is sent once and both arguments use the one copy or
// descriptor.
struct FileArgumentView {
    std::uint32_t argument_index = 0;
    std::uint32_t path_offset = 0;
    std::string_view basename;  // kept so tools that look at the extension still work
    std::uint32_t same_as = kOwnFile;
};
struct EnvironmentEntryView {
    std::string_view name;
    std::string_view value;
};
struct RequestView {
    TransferMode mode = TransferMode::kContent;
    StdinMode stdin_mode = StdinMode::kNone;
    std::uint16_t umask = 022;
    std::string_view cwd;
    std::span<const std::string_view> arguments;
    std::span<const EnvironmentEntryView> environment;
    std::span<const FileArgumentView> files;
    // fd mode: the child numbers for the descriptors after the file arguments' ones.
    std::span<const std::uint32_t> forwarded_fds = {};
    std::uint8_t flags = 0;  // kRequest* bits; kRequestWantsTerminal and
                             // kRequestCarriesTerminalModes follow the fields below
    // A terminal session (kRequestWantsTerminal), with the caller's window size.
    std::optional<WindowSize> terminal = {};
    // With `terminal` only: the caller's settings (kRequestCarriesTerminalModes).
    std::optional<TerminalModes> terminal_modes = {};
};

// The size of the whole Request frame, header included, so a caller can reserve it once.
std::size_t encoded_request_size(const RequestView& request);

// Appends a complete Request frame (header included) to `out`.
void encode_request(const RequestView& request, std::vector<std::uint8_t>& out);

}  // namespace bro::protocol
