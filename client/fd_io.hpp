#pragma once
// Blocking-style reads and writes that survive EINTR and descriptors inherited non-blocking.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace bro::client {

// Writes all of `bytes` to `fd`. EINTR is retried; EAGAIN (an inherited O_NONBLOCK fd) waits
// for POLLOUT. Returns 0, or the errno of the failing write.
int write_fully(int fd, std::span<const std::uint8_t> bytes);

// read(2) retried on EINTR. Returns the byte count, 0 at end of file, or -1 with errno set.
ssize_t read_retrying(int fd, std::span<std::uint8_t> into);

}  // namespace bro::client
