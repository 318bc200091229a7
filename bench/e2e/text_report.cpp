#include "bench/e2e/text_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/e2e/machine_description.hpp"
#include "bench/e2e/number_format.hpp"

namespace bro::e2e {
namespace {

std::string gbps_row(const char* name, double med, const std::vector<double>& v) {
    return std::string("| ") + name + " | " + fixed(med, 2) + " | " +
           fixed(*std::min_element(v.begin(), v.end()), 2) + " | " +
           fixed(*std::max_element(v.begin(), v.end()), 2) + " |\n";
}

std::string ratio_text(double ratio) {
    return fixed(ratio, 2) + "x";
}

// "<= 1.40x: met" beside a ceiling, ">= 0.80x: met" beside a floor; empty without a target.
// Judged on the ratio as printed (two decimals), so that "0.80x" never reads "not met".
std::string target_text(double target, double measured, bool ceiling) {
    if (target <= 0) return "";
    const double shown = std::round(measured * 100) / 100;
    const bool met = ceiling ? shown <= target : shown >= target;
    return std::string(ceiling ? "<= " : ">= ") + ratio_text(target) +
           (met ? ": met" : ": **not met**");
}

std::string latency_row(std::size_t a, const LatencyResult& l) {
    const LatencyArm& arm = kLatencyArms[a];
    const Distribution& d = l.arms[a];
    const Spread& r = l.ratios[a];
    std::string row = "| " + std::string(arm.label) + " | " + ms(d.p50) + " | " + ms(d.p90) +
                      " | " + ms(d.p99) + " | " + ms(d.mean) + " | " + ms(d.min) + " | ";
    if (a == kDirectArm) return row + "(baseline) | | |\n";
    const double p99_ratio = d.p99 / l.arms[kDirectArm].p99;
    return row + "**" + ratio_text(r.value) + "** (" + ratio_text(r.min) + "-" + ratio_text(r.max) +
           ") | " + ratio_text(p99_ratio) + " | " + target_text(arm.target, r.value, true) + " |\n";
}

void print_latency(const LatencyResult& l) {
    std::printf(
        "Latency, `true` (%zu interleaved rounds, ms; ratios to `/bin/true` direct, with the "
        "min-max of the ratio within each block of rounds)\n\n",
        l.rounds);
    std::printf(
        "| run | p50 | p90 | p99 | mean | min | **p50 ratio** (blocks) | p99 ratio | target |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    for (std::size_t a = 0; a < kLatencyArmCount; ++a) std::printf("%s", latency_row(a, l).c_str());
    std::printf("\nCost of each step (difference of p50s, ms)\n\n");
    std::printf("| step | p50 difference | blocks min-max |\n|---|---|---|\n");
    for (std::size_t d = 0; d < kDifferenceCount; ++d) {
        const Spread& s = l.differences[d];
        std::printf("| %s | %s | %s-%s |\n", kDifferences[d].label, ms(s.value).c_str(),
                    ms(s.min).c_str(), ms(s.max).c_str());
    }
}

std::string rate_cell(const ConcurrencyArmResult& arm) {
    const auto [low, high] = std::minmax_element(arm.rates.begin(), arm.rates.end());
    return fixed(arm.median_rate, 0) + " (" + fixed(*low, 0) + "-" + fixed(*high, 0) + ")";
}

std::string concurrency_row(const ConcurrencyLevel& level) {
    const auto& direct = level.arms[0];
    const auto& fd = level.arms[1];
    const Spread& r = level.ratio;
    const double target = level.callers == kConcurrencyTargetCallers ? kConcurrencyTarget : 0;
    return "| " + std::to_string(level.callers) + " | " + std::to_string(level.calls) + " | " +
           rate_cell(direct) + " | " + rate_cell(fd) + " | **" + ratio_text(r.value) + "** (" +
           ratio_text(r.min) + "-" + ratio_text(r.max) + ") | " + ms(direct.latency.p50) + " / " +
           ms(direct.latency.p99) + " | " + ms(fd.latency.p50) + " / " + ms(fd.latency.p99) +
           " | " + target_text(target, r.value, false) + " |\n";
}

void print_concurrency(const std::vector<ConcurrencyLevel>& levels, std::size_t repeats) {
    std::printf(
        "\nConcurrency, `true`: C callers (threads) each looping spawn + wait (calls/s, median "
        "of %zu interleaved pairs per level with min-max; ratio: median and min-max of the "
        "per-pair ratios)\n\n",
        repeats);
    std::printf(
        "| callers | calls per run | `/bin/true` direct, calls/s | bro fd mode, calls/s | "
        "**ratio fd/direct** (pairs) | direct p50 / p99 ms | bro fd p50 / p99 ms | target |\n"
        "|---|---|---|---|---|---|---|---|\n");
    for (const auto& level : levels) std::printf("%s", concurrency_row(level).c_str());
}

void print_throughput(const ThroughputResult& t) {
    std::printf(
        "\nThroughput, %s MiB producer (%zu KiB writes) -> cat -> %s (%zu interleaved triples, "
        "GB/s)\n\n",
        fixed(static_cast<double>(t.bytes) / (1 << 20), 0).c_str(), t.chunk >> 10,
        t.sink == Sink::kPipe ? "pipe read by a thread" : "/dev/null", t.arms.front().gbps.size());
    std::printf("| run | median | min | max |\n|---|---|---|---|\n");
    for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
        const ArmThroughput& a = t.arms[arm];
        std::printf("%s", gbps_row(kThroughputArms[arm].label, a.median, a.gbps).c_str());
    }
    for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
        if (arm == kDirectThroughputArm) continue;
        const ArmThroughput& a = t.arms[arm];
        std::printf("| **ratio %s/direct** | **%sx** (triples %sx-%sx) | | |\n",
                    kThroughputArms[arm].key, fixed(a.ratio, 2).c_str(),
                    fixed(a.ratio_min, 2).c_str(), fixed(a.ratio_max, 2).c_str());
    }
    std::printf(
        "\nCPU seconds per GiB (producer and reader threads, cat or bro-client, bro-server "
        "with its cat)\n\n| run | median | min | max | **ratio to direct** |\n"
        "|---|---|---|---|---|\n");
    for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
        const ArmThroughput& a = t.arms[arm];
        const auto [low, high] = std::minmax_element(a.cpu_per_gib.begin(), a.cpu_per_gib.end());
        std::printf("| %s | %s | %s | %s | **%sx** |\n", kThroughputArms[arm].label,
                    fixed(a.cpu_median, 2).c_str(), fixed(*low, 2).c_str(), fixed(*high, 2).c_str(),
                    fixed(a.cpu_ratio, 2).c_str());
    }
}

void print_footprint(const Footprint& f) {
    std::printf(
        "\nServer footprint (the fd-mode `/bin/true` server)\n\n| measure | value |\n|---|---|\n");
    std::printf("| RSS idle (after the latency loop) | %.1f MiB |\n", f.rss_idle_kib / 1024.0);
    std::printf("| RSS with %zu idle connections | %.1f MiB (%.1f KiB per connection) |\n",
                f.connections, f.rss_connected_kib / 1024.0,
                f.connections ? static_cast<double>(f.rss_connected_kib - f.rss_idle_kib) /
                                    static_cast<double>(f.connections)
                              : 0.0);
    std::printf("| peak RSS (VmHWM) | %.1f MiB |\n", f.hwm_kib / 1024.0);
    std::printf("| server fds: before / with connections / after closing | %d / %d / %d |\n",
                f.fds_before, f.fds_connected, f.fds_after);
    if (f.cpu_us_per_call >= 0) {
        std::printf("| server CPU per fd-mode call (utime+stime over %zu calls) | %.0f us |\n",
                    f.calls, f.cpu_us_per_call);
    }
}

}  // namespace

void print_report(const Results& results, const Options& options) {
    std::printf("\nMachine: %s\n", machine_description().c_str());
    if (options.pin_cpu >= 0) {
        std::printf("Everything (harness, servers, clients, children) pinned to CPU %d.\n",
                    options.pin_cpu);
    }
    std::printf("\n");
    if (results.latency) print_latency(*results.latency);
    if (!results.concurrency.empty()) {
        print_concurrency(results.concurrency, options.concurrency_repeats);
    }
    for (const auto& t : results.throughputs) print_throughput(t);
    if (results.footprint) print_footprint(*results.footprint);
    std::fflush(stdout);
}

}  // namespace bro::e2e
