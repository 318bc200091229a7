// Micro-benchmarks of the io_uring reactor (ring/):
//  - ring/nop_round_trip: one NOP submitted and awaited per iteration: the fixed cost of one
//    co_await on the ring (SQE, io_uring_enter, CQE, coroutine resume).
//  - ring/pipe_round_trip: a 64-byte Write into a pipe then a Read of it back, both awaited.
//  - relay/*: the data path. A producer thread writes kRelayBytes into a source descriptor, the
//    benchmark thread relays them to a destination descriptor, a consumer thread reads and
//    discards them. Compared: io_uring Read+Write (what the server's pumps do), io_uring Splice,
//    io_uring POLL + nonblocking splice(2), and plain blocking read()/write() and splice(2).
//    Two directions: pipe -> AF_UNIX socket (the child's stdout to the client) and socket ->
//    pipe (the client's stdin to the child). Pipes keep their default size (64 KiB), as the
//    server's do.
//
// GCC 12 caveat (ring/task.hpp): never `co_await` inside an if/while condition; bind first.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ring/operations.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace {

using bro::ring::IoResult;
using bro::ring::Ring;
using bro::ring::Task;

constexpr std::size_t kRelayBytes = 64u << 20;  // per benchmark iteration
constexpr std::size_t kEndpointBuffer = 128u << 10;

class Nop final : public bro::ring::SingleShot<Nop> {
  public:
    explicit Nop(Ring& ring) : SingleShot(ring) {}
    void prepare(io_uring_sqe& sqe) override { io_uring_prep_nop(&sqe); }
};

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset();
        fd = std::exchange(o.fd, -1);
        return *this;
    }
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

struct Channel {
    Fd read_end, write_end;
};

Channel make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    return {Fd(fds[0]), Fd(fds[1])};
}

Channel make_socket() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::runtime_error("socketpair failed");
    }
    shutdown(fds[0], SHUT_WR);
    shutdown(fds[1], SHUT_RD);
    return {Fd(fds[0]), Fd(fds[1])};
}

// ---------------------------------------------------------------------------------------------
// Round trips

Task<void> nop_loop(Ring& ring, benchmark::State& state) {
    for (auto _ : state) {
        const IoResult result = co_await Nop(ring);
        if (!result) {
            state.SkipWithError("NOP failed");
            break;
        }
    }
}

void nop_round_trip(benchmark::State& state) {
    Ring ring;
    ring.run(nop_loop(ring, state));
}
BENCHMARK(nop_round_trip)->Name("ring/nop_round_trip");

Task<void> pipe_loop(Ring& ring, benchmark::State& state, int read_fd, int write_fd) {
    std::vector<std::uint8_t> out(64, 0x5a), in(64);
    for (auto _ : state) {
        const IoResult written = co_await bro::ring::Write(ring, write_fd, out);
        const IoResult got = co_await bro::ring::Read(ring, read_fd, in);
        if (!written || !got || got.value() != 64) {
            state.SkipWithError("pipe round trip failed");
            break;
        }
    }
}

void pipe_round_trip(benchmark::State& state) {
    Ring ring;
    auto pipe = make_pipe();
    ring.run(pipe_loop(ring, state, pipe.read_end.fd, pipe.write_end.fd));
}
BENCHMARK(pipe_round_trip)->Name("ring/pipe_round_trip");

// ---------------------------------------------------------------------------------------------
// Relays. Each returns the number of bytes moved (kRelayBytes on success).

enum class Relay {
    kRingReadWrite,
    kRingSplice,
    kRingPollSplice,
    kSyscallReadWrite,
    kSyscallSplice,
};

Task<std::size_t> ring_read_write(Ring& ring, int in, int out, std::size_t chunk) {
    std::vector<std::uint8_t> buffer(chunk);
    std::size_t moved = 0;
    while (moved < kRelayBytes) {
        const auto want = std::min(chunk, kRelayBytes - moved);
        const IoResult got = co_await bro::ring::Read(ring, in, std::span(buffer).first(want));
        if (!got || got.value() == 0) break;
        std::span<const std::uint8_t> pending(buffer.data(), static_cast<std::size_t>(got.value()));
        while (!pending.empty()) {
            const IoResult put = co_await bro::ring::Write(ring, out, pending);
            if (!put) co_return moved;
            pending = pending.subspan(static_cast<std::size_t>(put.value()));
        }
        moved += static_cast<std::size_t>(got.value());
    }
    co_return moved;
}

Task<std::size_t> ring_splice(Ring& ring, int in, int out, std::size_t chunk) {
    std::size_t moved = 0;
    while (moved < kRelayBytes) {
        const auto want = static_cast<unsigned>(std::min(chunk, kRelayBytes - moved));
        const IoResult got = co_await bro::ring::Splice(ring, in, out, want, SPLICE_F_MOVE);
        if (!got || got.value() == 0) break;
        moved += static_cast<std::size_t>(got.value());
    }
    co_return moved;
}

// Both descriptors nonblocking: try splice(2); on EAGAIN wait (through the ring) for the source
// to be readable and the destination writable, then retry.
Task<std::size_t> ring_poll_splice(Ring& ring, int in, int out, std::size_t chunk) {
    std::size_t moved = 0;
    while (moved < kRelayBytes) {
        const auto want = std::min(chunk, kRelayBytes - moved);
        const ssize_t n =
            splice(in, nullptr, out, nullptr, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
            moved += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) break;
        if (errno != EAGAIN) break;
        const IoResult readable = co_await bro::ring::Poll(ring, in, POLLIN);
        const IoResult writable = co_await bro::ring::Poll(ring, out, POLLOUT);
        if (!readable || !writable) break;
    }
    co_return moved;
}

std::size_t syscall_read_write(int in, int out, std::size_t chunk) {
    std::vector<std::uint8_t> buffer(chunk);
    std::size_t moved = 0;
    while (moved < kRelayBytes) {
        const ssize_t got = ::read(in, buffer.data(), std::min(chunk, kRelayBytes - moved));
        if (got <= 0) break;
        for (ssize_t done = 0; done < got;) {
            const ssize_t put =
                ::write(out, buffer.data() + done, static_cast<std::size_t>(got - done));
            if (put <= 0) return moved;
            done += put;
        }
        moved += static_cast<std::size_t>(got);
    }
    return moved;
}

std::size_t syscall_splice(int in, int out, std::size_t chunk) {
    std::size_t moved = 0;
    while (moved < kRelayBytes) {
        const ssize_t n =
            splice(in, nullptr, out, nullptr, std::min(chunk, kRelayBytes - moved), SPLICE_F_MOVE);
        if (n <= 0) break;
        moved += static_cast<std::size_t>(n);
    }
    return moved;
}

void produce(int fd) {
    std::vector<std::uint8_t> buffer(kEndpointBuffer, 'x');
    std::size_t left = kRelayBytes;
    while (left > 0) {
        const ssize_t n = ::write(fd, buffer.data(), std::min(left, buffer.size()));
        if (n <= 0) return;
        left -= static_cast<std::size_t>(n);
    }
}

void consume(int fd) {
    std::vector<std::uint8_t> buffer(kEndpointBuffer);
    std::size_t left = kRelayBytes;
    while (left > 0) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n <= 0) return;
        left -= static_cast<std::size_t>(n);
    }
}

void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// range(0): chunk size in KiB; range(1): 0 = pipe -> socket (stdout), 1 = socket -> pipe (stdin).
template <Relay kind>
void relay_bench(benchmark::State& state) {
    const std::size_t chunk = static_cast<std::size_t>(state.range(0)) << 10;
    const bool from_socket = state.range(1) != 0;
    Ring ring;
    std::size_t total = 0;
    for (auto _ : state) {
        // Fresh descriptors each round: every iteration is one bounded 64 MiB transfer.
        Channel source = from_socket ? make_socket() : make_pipe();
        Channel sink = from_socket ? make_pipe() : make_socket();
        if constexpr (kind == Relay::kRingPollSplice) {
            set_nonblocking(source.read_end.fd);
            set_nonblocking(sink.write_end.fd);
        }
        std::thread producer(produce, source.write_end.fd);
        std::thread consumer(consume, sink.read_end.fd);
        const int in = source.read_end.fd;
        const int out = sink.write_end.fd;
        std::size_t moved = 0;
        if constexpr (kind == Relay::kRingReadWrite) {
            moved = ring.run(ring_read_write(ring, in, out, chunk));
        } else if constexpr (kind == Relay::kRingSplice) {
            moved = ring.run(ring_splice(ring, in, out, chunk));
        } else if constexpr (kind == Relay::kRingPollSplice) {
            moved = ring.run(ring_poll_splice(ring, in, out, chunk));
        } else if constexpr (kind == Relay::kSyscallReadWrite) {
            moved = syscall_read_write(in, out, chunk);
        } else {
            moved = syscall_splice(in, out, chunk);
        }
        // Unblock a side that would otherwise wait for ever after a failure.
        source.read_end.reset();
        sink.write_end.reset();
        producer.join();
        consumer.join();
        if (moved != kRelayBytes) {
            state.SkipWithError(("relay moved " + std::to_string(moved) + " bytes").c_str());
            break;
        }
        total += moved;
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(total));
    state.SetLabel(from_socket ? "socket->pipe" : "pipe->socket");
}

void relay_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"chunk_kib", "from_socket"})->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK_TEMPLATE(relay_bench, Relay::kRingReadWrite)
    ->Name("relay/uring_read_write")
    ->Apply(relay_args)
    ->ArgsProduct({{64, 128, 256, 1024}, {0, 1}});
BENCHMARK_TEMPLATE(relay_bench, Relay::kRingSplice)
    ->Name("relay/uring_splice")
    ->Apply(relay_args)
    ->ArgsProduct({{64, 256}, {0, 1}});
BENCHMARK_TEMPLATE(relay_bench, Relay::kRingPollSplice)
    ->Name("relay/uring_poll+splice")
    ->Apply(relay_args)
    ->ArgsProduct({{64, 256}, {0, 1}});
BENCHMARK_TEMPLATE(relay_bench, Relay::kSyscallReadWrite)
    ->Name("relay/syscall_read_write")
    ->Apply(relay_args)
    ->ArgsProduct({{128}, {0, 1}});
BENCHMARK_TEMPLATE(relay_bench, Relay::kSyscallSplice)
    ->Name("relay/syscall_splice")
    ->Apply(relay_args)
    ->ArgsProduct({{256}, {0, 1}});

}  // namespace
