#pragma once
// Big-endian encoding into a growing buffer and strictly bounded decoding from a span.
// The reader never reads past its span: every read checks the remaining length first and
// latches a failure, so a decoder can run to the end and test `ok()` once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace bro {

class ByteWriter {
  public:
    explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(out) {}

    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { put_be(v, 2); }
    void u32(std::uint32_t v) { put_be(v, 4); }
    void i32(std::int32_t v) { put_be(static_cast<std::uint32_t>(v), 4); }
    void u64(std::uint64_t v) { put_be(v, 8); }
    void bytes(std::string_view b) { out_.insert(out_.end(), b.begin(), b.end()); }
    // A u32 length followed by the bytes.
    void string(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        bytes(s);
    }

  private:
    void put_be(std::uint64_t v, int width) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            out_.push_back(static_cast<std::uint8_t>(v >> shift));
        }
    }
    std::vector<std::uint8_t>& out_;
};

class ByteReader {
  public:
    explicit ByteReader(std::span<const std::uint8_t> in) : in_(in) {}

    std::uint8_t u8() { return static_cast<std::uint8_t>(get_be(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(get_be(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(get_be(4)); }
    std::int32_t i32() { return static_cast<std::int32_t>(get_be(4)); }
    std::uint64_t u64() { return get_be(8); }
    // A u32 length then that many bytes; fails if the length exceeds `max_length` or the input.
    std::string_view string(std::size_t max_length) {
        const std::uint32_t length = u32();
        if (!ok_ || length > max_length || length > remaining()) {
            ok_ = false;
            return {};
        }
        std::string_view s(reinterpret_cast<const char*>(in_.data() + pos_), length);
        pos_ += length;
        return s;
    }

    // The next `length` bytes as they are; empty (and failed) when fewer remain.
    std::span<const std::uint8_t> bytes(std::size_t length) {
        if (!ok_ || length > remaining()) {
            ok_ = false;
            return {};
        }
        const auto taken = in_.subspan(pos_, length);
        pos_ += length;
        return taken;
    }

    bool ok() const { return ok_; }
    std::size_t remaining() const { return in_.size() - pos_; }
    bool at_end() const { return ok_ && pos_ == in_.size(); }

  private:
    std::uint64_t get_be(std::size_t width) {
        if (!ok_ || remaining() < width) {
            ok_ = false;
            return 0;
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < width; ++i) v = (v << 8) | in_[pos_ + i];
        pos_ += width;
        return v;
    }
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace bro
