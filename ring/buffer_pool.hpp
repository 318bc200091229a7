#pragma once
// Relay buffers on demand. Most of what a call relays moves by splice and never enters user
// space; what has to (a terminal's bytes) takes a buffer from this pool when its first bytes
// are there and gives it back when it ends, so a call that needs none costs nothing.
// Buffers are malloc'd and never value-initialised (no zero-filling: a page is touched only
// when bytes land in it), and up to `keep` returned ones wait for the next call, so a server
// in its steady state allocates nothing per call. Single-threaded, like the Ring that owns it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace bro::ring {

class BufferPool {
  public:
    // Hands out buffers of `buffer_bytes` each and keeps up to `keep` returned ones.
    BufferPool(std::size_t buffer_bytes, std::size_t keep);
    ~BufferPool();
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    // One buffer, back in the pool when destroyed; it must not outlive the pool. Move-only.
    class Buffer {
      public:
        Buffer() = default;
        Buffer(Buffer&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)), data_(std::exchange(other.data_, {})) {}
        Buffer& operator=(Buffer&& other) noexcept {
            if (this != &other) {
                release();
                pool_ = std::exchange(other.pool_, nullptr);
                data_ = std::exchange(other.data_, nullptr);
            }
            return *this;
        }
        Buffer(const Buffer&) = delete;
        Buffer& operator=(const Buffer&) = delete;
        ~Buffer() { release(); }

        bool valid() const { return data_ != nullptr; }
        // Uninitialised bytes: whatever the last user left.
        std::span<std::uint8_t> bytes() const {
            return {data_, pool_ != nullptr ? pool_->buffer_bytes_ : 0};
        }
        void release() {
            if (data_ != nullptr) pool_->give_back(std::exchange(data_, nullptr));
            pool_ = nullptr;
        }

      private:
        friend class BufferPool;
        Buffer(BufferPool& pool, std::uint8_t* data) : pool_(&pool), data_(data) {}
        BufferPool* pool_ = nullptr;
        std::uint8_t* data_ = nullptr;
    };

    // A kept buffer if there is one, else a new one; throws std::bad_alloc.
    Buffer take();

    std::size_t buffer_bytes() const { return buffer_bytes_; }
    std::size_t kept() const { return free_.size(); }
    std::size_t handed_out() const { return handed_out_; }

  private:
    void give_back(std::uint8_t* data);

    std::size_t buffer_bytes_;
    std::size_t keep_;
    std::size_t handed_out_ = 0;
    std::vector<std::uint8_t*> free_;
};

}  // namespace bro::ring
