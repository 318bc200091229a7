#include "ring/buffer_pool.hpp"

#include <cstdlib>
#include <new>

namespace bro::ring {

BufferPool::BufferPool(std::size_t buffer_bytes, std::size_t keep)
    : buffer_bytes_(buffer_bytes), keep_(keep) {
    free_.reserve(keep_);  // give_back() runs in destructors: it must never allocate
}

BufferPool::~BufferPool() {
    for (std::uint8_t* data : free_) std::free(data);
}

BufferPool::Buffer BufferPool::take() {
    std::uint8_t* data = nullptr;
    if (!free_.empty()) {
        data = free_.back();
        free_.pop_back();
    } else {
        data = static_cast<std::uint8_t*>(std::malloc(buffer_bytes_));
        if (data == nullptr) throw std::bad_alloc();
    }
    ++handed_out_;
    return Buffer(*this, data);
}

void BufferPool::give_back(std::uint8_t* data) {
    --handed_out_;
    if (free_.size() < keep_) {
        free_.push_back(data);
    } else {
        std::free(data);
    }
}

}  // namespace bro::ring
