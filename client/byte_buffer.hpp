#pragma once
// A fixed-size, uninitialised byte buffer. Unlike std::vector it does not zero its memory, so
// a large relay buffer costs no page faults until it is used. Allocation failure leaves it
// empty (check valid()); nothing here throws.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace bro::client {

class ByteBuffer {
  public:
    explicit ByteBuffer(std::size_t size)
        : data_(static_cast<std::uint8_t*>(std::malloc(size))), size_(data_ ? size : 0) {}
    ByteBuffer(const ByteBuffer&) = delete;
    ByteBuffer& operator=(const ByteBuffer&) = delete;
    ~ByteBuffer() { std::free(data_); }

    bool valid() const { return data_ != nullptr; }
    std::uint8_t* data() { return data_; }
    std::size_t size() const { return size_; }
    std::span<std::uint8_t> span() { return {data_, size_}; }

  private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace bro::client
