#pragma once
// splice(2) driven by the ring without an io-wq worker: the call is made on the ring's thread
// with SPLICE_F_NONBLOCK, and only when it would block does the coroutine wait, through a
// POLL on the side that blocks. The kernel runs every IORING_OP_SPLICE on an io-wq worker
// (its prep forces async), a cross-thread hand-off per chunk; measured on a 2-vCPU VM, this
// moved pipe -> AF_UNIX socket at 2.1 GB/s and socket -> pipe at 4.0 GB/s against 1.2 and
// 1.0 GB/s for IORING_OP_SPLICE and 1.6 and 0.9 GB/s for an io_uring Read+Write relay
// (bench/ring_bench.cpp, relay/*; docs/BENCHMARKS.md).
//
// Rules of splice(2) the caller keeps: one of `in`, `out` is a pipe, and the other end, when
// it is a socket, is O_NONBLOCK. (SPLICE_F_NONBLOCK covers the pipe; a socket follows its own
// file flag. io_uring's socket operations ignore that flag, so the same socket still works
// with Receive and Send.)

#include <cstddef>

#include "ring/io_result.hpp"
#include "ring/ring.hpp"
#include "ring/stop_token.hpp"
#include "ring/task.hpp"

namespace bro::ring {

// One splice(2) attempt with SPLICE_F_NONBLOCK: bytes moved, 0 at end of input, or the error
// (EAGAIN when it would block). EINTR is retried.
IoResult try_splice(int in, int out, std::size_t length);

// Waits until a splice from `in` to `out` can make progress: `in` readable (or at its end) and
// `out` writable (or broken). Finds the side that blocks with a zero-timeout poll(2), then
// waits for it through the ring. Value: the ready poll mask; cancelled() on stop.
Task<IoResult> wait_until_splice_ready(Ring& ring, int in, int out, StopToken stop = {});

// Moves at least one and at most `length` bytes, waiting for both sides as needed. Value:
// bytes moved (> 0), or 0 at the end of `in`; error EPIPE (or ECONNRESET) when the reader of
// `out` went away, ECANCELED once `stop` is requested.
Task<IoResult> splice_some(Ring& ring, int in, int out, std::size_t length, StopToken stop = {});

}  // namespace bro::ring
