// bro_e2e_bench: end-to-end comparison of running a command directly with running it through
// bro, in content mode and in fd-passing mode. It starts its own bro-servers on sockets in a
// private temp dir (for /bin/true and /bin/cat, each once content-only and once with
// --fd-passing, plus the s6 peer for /bin/true), writes the wrapper scripts and wrapper files
// that point at the /bin/true servers into the same dir, then measures, always interleaving
// the direct baseline and every bro arm so that machine noise hits all of them alike. Every
// bro-client run pins its mode (BRO_TRANSFER_MODE content or fd), except the one arm that
// measures the default (auto) against a content-only server, which pays for the refused fd
// attempt and the fallback.
//
// The arms, each described in its header: latency.hpp (`true` one call at a time, ten ways),
// footprint.hpp (the fd server's memory, descriptors and CPU per call), concurrency.hpp (many
// callers at once) and throughput.hpp (bytes through `cat`). The results go to stdout as
// Markdown tables (text_report.hpp) and, with --json, to a file (json_report.hpp).
//
// Usage: bro_e2e_bench --server PATH --client PATH [--rounds N] [--warmup N] [--blocks N]
//                      [--idle-connections N] [--concurrency C,...] [--concurrency-calls N]
//                      [--concurrency-repeats N] [--bytes N] [--repeats N]
//                      [--sink pipe|null|both] [--chunks N,...] [--pin CPU] [--skip-latency]
//                      [--skip-concurrency] [--skip-throughput] [--json FILE]
// options.hpp says what each option does.
// Plain C++ and POSIX on purpose: no dependency on anything the product links.

#include <signal.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/concurrency.hpp"
#include "bench/e2e/footprint.hpp"
#include "bench/e2e/json_report.hpp"
#include "bench/e2e/latency.hpp"
#include "bench/e2e/latency_arms.hpp"
#include "bench/e2e/options.hpp"
#include "bench/e2e/process_setup.hpp"
#include "bench/e2e/process_usage.hpp"
#include "bench/e2e/results.hpp"
#include "bench/e2e/route.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/temp_dir.hpp"
#include "bench/e2e/text_report.hpp"
#include "bench/e2e/throughput.hpp"
#include "bench/e2e/wrapper_files.hpp"

namespace bro::e2e {
namespace {

// Latency, footprint and concurrency: the arms that call /bin/true share its servers and
// invocations.
void measure_true_arms(const Options& options, TempDir& dir, Results& results) {
    const ServerProcess content = start_bro_server(options.server, "/bin/true",
                                                   dir.path() + "/true.sock", ServerMode::kContent);
    const ServerProcess fd = start_bro_server(options.server, "/bin/true",
                                              dir.path() + "/true-fd.sock", ServerMode::kFdPassing);
    const ServerProcess s6 = start_s6_server("/bin/true", dir.path() + "/true-s6.sock");
    const Endpoints endpoints{absolute_client(options.client), content.socket_path(),
                              fd.socket_path(), s6.socket_path()};
    const std::vector<Invocation> runs = make_latency_invocations(endpoints, dir);
    if (!options.skip_latency) {
        std::fprintf(stderr, "latency: %zu warm-up + %zu interleaved rounds of %zu arms...\n",
                     options.warmup, options.rounds, kLatencyArmCount);
        const double start = now_seconds();
        const double fd_cpu_before = cpu_seconds(fd.pid());
        results.latency = measure_latency(options, runs);
        Footprint footprint;
        // fd, fd_script and fd_wrapper_file reach the fd server, once per round each.
        footprint.calls = 3 * (options.rounds + options.warmup);
        footprint.cpu_us_per_call =
            (cpu_seconds(fd.pid()) - fd_cpu_before) * 1e6 / static_cast<double>(footprint.calls);
        std::fprintf(stderr, "latency took %.0f s\n", now_seconds() - start);
        measure_idle_connections(fd, options.idle_connections, footprint);
        results.footprint = footprint;
    }
    if (!options.skip_concurrency) {
        std::fprintf(stderr, "concurrency: %zu interleaved pairs per level...\n",
                     options.concurrency_repeats);
        const double start = now_seconds();
        results.concurrency = measure_concurrency(options, runs);
        std::fprintf(stderr, "concurrency took %.0f s\n", now_seconds() - start);
    }
}

}  // namespace
}  // namespace bro::e2e

int main(int argc, char** argv) {
    using namespace bro::e2e;
    signal(SIGPIPE, SIG_IGN);  // a child that dies early must show up as an error, not kill us
    try {
        const Options options = parse_options(argc, argv);
        if (options.pin_cpu >= 0) pin_to_cpu(options.pin_cpu);
        raise_descriptor_limit();
        TempDir dir;
        Results results;
        if (!options.skip_latency || !options.skip_concurrency) {
            measure_true_arms(options, dir, results);
        }
        if (!options.skip_throughput) results.throughputs = measure_throughput(options, dir);
        print_report(results, options);
        if (!options.json.empty()) write_json(options.json, results, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bro_e2e_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
