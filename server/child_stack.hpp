#pragma once
// Memory for a clone()d child to run on. Left uninitialised on purpose: zero-filling it would
// touch every page, and a page the child never reaches should cost the server no resident
// memory (a vfork child that only sets up descriptors and execs uses a few KiB of 256).

#include <cstddef>
#include <memory>
#include <span>

namespace bro::server {

class ChildStack {
  public:
    explicit ChildStack(std::size_t bytes)
        : memory_(std::make_unique_for_overwrite<unsigned char[]>(bytes)), bytes_(bytes) {}

    std::span<unsigned char> bytes() const { return {memory_.get(), bytes_}; }
    // Where a stack that grows down starts: its end, 16-byte aligned as every ABI wants.
    unsigned char* top() const { return memory_.get() + (bytes_ & ~std::size_t{15}); }

  private:
    std::unique_ptr<unsigned char[]> memory_;
    std::size_t bytes_;
};

}  // namespace bro::server
