#pragma once
// Frames as the tests build and read them: one frame from a type and a payload, and a byte
// stream split back into frames (with core's header encoder and decoder).

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire.hpp"

namespace bro::test {

using Bytes = std::vector<std::uint8_t>;

struct Frame {
    protocol::FrameType type;
    std::string payload;

    bool operator==(const Frame&) const = default;
};

// One frame of `type` carrying `payload`.
Bytes frame_bytes(protocol::FrameType type, std::string_view payload = {});

// `bytes` split into frames; a header that does not decode, or a cut frame, is a test failure.
std::vector<Frame> split_frames(std::span<const std::uint8_t> bytes);

// How gtest shows a Frame in a failure message: its type, size and (short) payload.
void PrintTo(const Frame& frame, std::ostream* out);

}  // namespace bro::test
