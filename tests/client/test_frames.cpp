#include "test_frames.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

#include "core/limits.hpp"

namespace bro::test {

Bytes frame_bytes(protocol::FrameType type, std::string_view payload) {
    const auto header =
        protocol::encode_frame_header(type, static_cast<std::uint32_t>(payload.size()));
    Bytes out(header.size() + payload.size());
    std::copy(header.begin(), header.end(), out.begin());
    std::copy(payload.begin(), payload.end(), out.begin() + header.size());
    return out;
}

std::vector<Frame> split_frames(std::span<const std::uint8_t> bytes) {
    std::vector<Frame> frames;
    while (!bytes.empty()) {
        const auto decoded = protocol::decode_frame_header(bytes, ProtocolLimits{});
        const auto* header = std::get_if<protocol::FrameHeader>(&decoded);
        if (header == nullptr || bytes.size() - protocol::kFrameHeaderBytes < header->length) {
            ADD_FAILURE() << "a malformed or cut frame after " << frames.size() << " frames";
            break;
        }
        const auto payload = bytes.subspan(protocol::kFrameHeaderBytes, header->length);
        frames.push_back({header->type, std::string(payload.begin(), payload.end())});
        bytes = bytes.subspan(protocol::kFrameHeaderBytes + header->length);
    }
    return frames;
}

void PrintTo(const Frame& frame, std::ostream* out) {
    *out << "frame type " << static_cast<unsigned>(frame.type) << " (" << frame.payload.size()
         << " bytes";
    if (frame.payload.size() <= 32) *out << ": " << ::testing::PrintToString(frame.payload);
    *out << ")";
}

}  // namespace bro::test
