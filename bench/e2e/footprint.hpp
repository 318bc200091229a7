#pragma once
// The server footprint: the fd-mode `/bin/true` server's memory idle and holding idle
// connections, its descriptors, and its CPU time per call (from /proc, around the latency
// loop, whose fd arms are its only callers).

#include <cstddef>

#include "bench/e2e/server_process.hpp"

namespace bro::e2e {

struct Footprint {
    long rss_idle_kib = 0;       // after the latency loop, no connection open
    long rss_connected_kib = 0;  // with `connections` idle connections accepted
    long hwm_kib = 0;            // peak over the whole run
    std::size_t connections = 0;
    int fds_before = 0, fds_connected = 0, fds_after = 0;
    double cpu_us_per_call = -1;  // server CPU per fd-mode call in the latency loop
    std::size_t calls = 0;
};

// Opens `count` connections that send nothing, waits until the server accepted them all (its
// fd count rose by `count`), and reads its RSS; then closes them, waits until the server let
// them go, and reads its fd count and peak RSS. Fills every field but the CPU ones.
void measure_idle_connections(const ServerProcess& server, std::size_t count, Footprint& f);

}  // namespace bro::e2e
