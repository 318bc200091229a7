#pragma once
// Appends one frame whose payload is produced in place by a callback, then patches the
// header's length: each payload byte is written once.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/byte_codec.hpp"
#include "core/wire.hpp"

namespace bro::protocol {

template <typename Fill>
void encode_frame(FrameType type, std::vector<std::uint8_t>& out, Fill&& fill) {
    const std::size_t start = out.size();
    // Room for a small frame (Exit, Signal, ...) at once, instead of growing byte by byte.
    out.reserve(start + kFrameHeaderBytes + 64);
    out.resize(start + kFrameHeaderBytes);
    ByteWriter writer(out);
    fill(writer);
    const auto header = encode_frame_header(
        type, static_cast<std::uint32_t>(out.size() - start - kFrameHeaderBytes));
    std::copy(header.begin(), header.end(), out.begin() + static_cast<std::ptrdiff_t>(start));
}

}  // namespace bro::protocol
