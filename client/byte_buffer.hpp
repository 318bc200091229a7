#pragma once
// A fixed-size, uninitialised byte buffer. Unlike std::vector it does not zero its memory, so
// a large relay buffer costs no page faults until it is used. It can start empty and be
// allocated when first needed (allocate()). Allocation failure leaves it empty (check
// valid()); nothing here throws.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace bro::client {

class ByteBuffer {
  public:
    ByteBuffer() = default;
    explicit ByteBuffer(std::size_t size) { allocate(size); }
    ByteBuffer(const ByteBuffer&) = delete;
    ByteBuffer& operator=(const ByteBuffer&) = delete;
    ~ByteBuffer() { std::free(data_); }

    // Replaces the buffer by one of `size` bytes; false (and empty) when that fails.
    bool allocate(std::size_t size) {
        std::free(data_);
        data_ = static_cast<std::uint8_t*>(std::malloc(size));
        size_ = data_ ? size : 0;
        return data_ != nullptr;
    }

    bool valid() const { return data_ != nullptr; }
    std::uint8_t* data() { return data_; }
    std::size_t size() const { return size_; }
    std::span<std::uint8_t> span() { return {data_, size_}; }

  private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace bro::client
