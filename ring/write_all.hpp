#pragma once
// Writes a whole buffer through the ring, one Write after another until every byte is in
// (a pipe or socket may take less per write).

#include <cstdint>
#include <span>
#include <system_error>

#include "ring/operations.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"

namespace bro::ring {

// Empty on success; the first write's error otherwise (ECANCELED once `stop` is requested,
// EPIPE when the reader is gone).
inline Task<std::error_code> write_all(Ring& ring, int fd, std::span<const std::uint8_t> bytes,
                                       StopToken stop = {}) {
    while (!bytes.empty()) {
        const IoResult written = co_await Write(ring, fd, bytes).stop_on(stop);
        if (!written) co_return written.error();
        bytes = bytes.subspan(static_cast<std::size_t>(written.value()));
    }
    co_return std::error_code{};
}

}  // namespace bro::ring
