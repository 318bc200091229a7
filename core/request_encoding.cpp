#include "core/request_encoding.hpp"

#include "core/frame_encoding.hpp"

namespace bro::protocol {

std::size_t encoded_request_size(const RequestView& request) {
    constexpr std::size_t kLength = 4;  // every string and list carries a u32 length
    // header, magic, version, mode, stdin mode, umask, flags, then the four list counts
    std::size_t size = kFrameHeaderBytes + kMagic.size() + 1 + 1 + 1 + 2 + 1 + 4 * kLength;
    size += kLength + request.cwd.size();
    for (auto argument : request.arguments) size += kLength + argument.size();
    for (const auto& entry : request.environment) {
        size += 2 * kLength + entry.name.size() + entry.value.size();
    }
    for (const auto& file : request.files) size += 4 * kLength + file.basename.size();
    size += kLength * request.forwarded_fds.size();
    if (request.terminal) size += kWindowSizeBytes;
    if (request.terminal && request.terminal_modes) size += kTerminalModesBytes;
    return size;
}

void encode_request(const RequestView& request, std::vector<std::uint8_t>& out) {
    encode_frame(FrameType::kRequest, out, [&](ByteWriter& w) {
        for (auto b : kMagic) w.u8(b);
        w.u8(kVersion);
        w.u8(static_cast<std::uint8_t>(request.mode));
        w.u8(static_cast<std::uint8_t>(request.stdin_mode));
        w.u16(request.umask);
        auto flags = static_cast<std::uint8_t>(
            request.flags & ~(kRequestWantsTerminal | kRequestCarriesTerminalModes));
        if (request.terminal) flags |= kRequestWantsTerminal;
        if (request.terminal && request.terminal_modes) flags |= kRequestCarriesTerminalModes;
        w.u8(flags);
        w.string(request.cwd);
        w.u32(static_cast<std::uint32_t>(request.arguments.size()));
        for (auto argument : request.arguments) w.string(argument);
        w.u32(static_cast<std::uint32_t>(request.environment.size()));
        for (const auto& entry : request.environment) {
            w.string(entry.name);
            w.string(entry.value);
        }
        w.u32(static_cast<std::uint32_t>(request.files.size()));
        for (const auto& file : request.files) {
            w.u32(file.argument_index);
            w.u32(file.path_offset);
            w.string(file.basename);
            w.u32(file.same_as);
        }
        w.u32(static_cast<std::uint32_t>(request.forwarded_fds.size()));
        for (auto target : request.forwarded_fds) w.u32(target);
        if (request.terminal) {
            for (const std::uint8_t b : encode_window_size(*request.terminal)) w.u8(b);
            if (request.terminal_modes) {
                for (const std::uint8_t b : encode_terminal_modes(*request.terminal_modes)) w.u8(b);
            }
        }
    });
}

}  // namespace bro::protocol
