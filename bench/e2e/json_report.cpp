#include "bench/e2e/json_report.hpp"

#include <fstream>
#include <sstream>

#include "bench/e2e/failure.hpp"
#include "bench/e2e/machine_description.hpp"
#include "bench/e2e/number_format.hpp"

namespace bro::e2e {
namespace {

std::string json_array(const std::vector<double>& values, int digits) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) s += ", ";
        s += fixed(values[i], digits);
    }
    return s + "]";
}

std::string json_distribution(const Distribution& d) {
    return "{\"p50_ms\": " + ms(d.p50) + ", \"p90_ms\": " + ms(d.p90) +
           ", \"p99_ms\": " + ms(d.p99) + ", \"mean_ms\": " + ms(d.mean) +
           ", \"min_ms\": " + ms(d.min) + ", \"max_ms\": " + ms(d.max) + "}";
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

// "NAME": value, "NAME_PART_min": ..., "NAME_PART_max": ..., "NAME_PARTs": [...]
std::string json_spread(const std::string& name, const std::string& part, const Spread& s,
                        int digits, double scale = 1) {
    std::vector<double> parts;
    for (double p : s.parts) parts.push_back(p * scale);
    const std::string prefix = "\"" + name + "_" + part;
    return "\"" + name + "\": " + fixed(s.value * scale, digits) + ", " + prefix +
           "_min\": " + fixed(s.min * scale, digits) + ", " + prefix +
           "_max\": " + fixed(s.max * scale, digits) + ", " + prefix +
           "s\": " + json_array(parts, digits);
}

void write_latency_json(std::ostringstream& j, const LatencyResult& l) {
    j << "  \"latency\": {\n    \"rounds\": " << l.rounds << ",\n    \"arms\": {";
    for (std::size_t a = 0; a < kLatencyArmCount; ++a) {
        const LatencyArm& arm = kLatencyArms[a];
        j << (a ? ",\n" : "\n") << "      \"" << arm.key << "\": {\"label\": \""
          << json_escape(arm.label) << "\", \"distribution\": " << json_distribution(l.arms[a])
          << ", " << json_spread("ratio_p50", "block", l.ratios[a], 3)
          << ", \"ratio_p99\": " << fixed(l.arms[a].p99 / l.arms[kDirectArm].p99, 3)
          << ", \"target_ratio_p50\": " << (arm.target > 0 ? fixed(arm.target, 2) : "null") << "}";
    }
    j << "\n    },\n    \"differences\": {";
    for (std::size_t d = 0; d < kDifferenceCount; ++d) {
        j << (d ? ",\n" : "\n") << "      \"" << kDifferences[d].key << "\": {\"label\": \""
          << json_escape(kDifferences[d].label) << "\", "
          << json_spread("p50_ms", "block", l.differences[d], 3, 1e3) << "}";
    }
    j << "\n    }\n  },\n";
}

std::string json_concurrency_arm(const ConcurrencyArmResult& arm) {
    return "{\"calls_per_second\": " + json_array(arm.rates, 0) +
           ", \"median_calls_per_second\": " + fixed(arm.median_rate, 0) +
           ", \"latency\": " + json_distribution(arm.latency) + "}";
}

void write_concurrency_json(std::ostringstream& j, const std::vector<ConcurrencyLevel>& levels) {
    j << "  \"concurrency\": [";
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const ConcurrencyLevel& level = levels[i];
        const bool targeted = level.callers == kConcurrencyTargetCallers;
        j << (i ? ",\n" : "\n") << "    {\"callers\": " << level.callers
          << ", \"calls_per_run\": " << level.calls
          << ", \"direct\": " << json_concurrency_arm(level.arms[0])
          << ", \"fd\": " << json_concurrency_arm(level.arms[1]) << ", "
          << json_spread("ratio", "pair", level.ratio, 3)
          << ", \"target_ratio\": " << (targeted ? fixed(kConcurrencyTarget, 2) : "null") << "}";
    }
    j << "\n  ],\n";
}

void write_throughput_json(std::ostringstream& j,
                           const std::vector<ThroughputResult>& throughputs) {
    j << "  \"throughput\": [";
    for (std::size_t i = 0; i < throughputs.size(); ++i) {
        const auto& t = throughputs[i];
        j << (i ? ",\n" : "\n");
        j << "    {\n      \"sink\": \"" << sink_name(t.sink) << "\",\n";
        j << "      \"bytes\": " << t.bytes << ",\n";
        j << "      \"producer_write_bytes\": " << t.chunk;
        for (std::size_t arm = 0; arm < kThroughputArmCount; ++arm) {
            const ArmThroughput& a = t.arms[arm];
            j << ",\n      \"" << kThroughputArms[arm].key
              << "\": {\"gbps\": " << json_array(a.gbps, 3)
              << ", \"median_gbps\": " << fixed(a.median, 3) << ", \"ratio\": " << fixed(a.ratio, 3)
              << ", \"ratio_triple_min\": " << fixed(a.ratio_min, 3)
              << ", \"ratio_triple_max\": " << fixed(a.ratio_max, 3)
              << ", \"triple_ratios\": " << json_array(a.ratios, 3)
              << ", \"cpu_seconds_per_gib\": " << json_array(a.cpu_per_gib, 3)
              << ", \"median_cpu_seconds_per_gib\": " << fixed(a.cpu_median, 3)
              << ", \"cpu_ratio\": " << fixed(a.cpu_ratio, 3) << "}";
        }
        j << "\n    }";
    }
    j << "\n  ]\n";
}

void write_footprint_json(std::ostringstream& j, const Footprint& f) {
    j << "  \"footprint\": {\"rss_idle_kib\": " << f.rss_idle_kib
      << ", \"rss_connected_kib\": " << f.rss_connected_kib
      << ", \"connections\": " << f.connections << ", \"hwm_kib\": " << f.hwm_kib
      << ", \"fds_before\": " << f.fds_before << ", \"fds_connected\": " << f.fds_connected
      << ", \"fds_after\": " << f.fds_after
      << ", \"server_cpu_us_per_fd_call\": " << fixed(f.cpu_us_per_call, 1)
      << ", \"calls\": " << f.calls << "},\n";
}

}  // namespace

void write_json(const std::string& path, const Results& results, const Options& options) {
    std::ostringstream j;
    j << "{\n  \"machine\": \"" << json_escape(machine_description()) << "\",\n";
    j << "  \"pinned_cpu\": " << options.pin_cpu << ",\n";
    if (results.latency) write_latency_json(j, *results.latency);
    if (!results.concurrency.empty()) write_concurrency_json(j, results.concurrency);
    if (results.footprint) write_footprint_json(j, *results.footprint);
    write_throughput_json(j, results.throughputs);
    j << "}\n";
    std::ofstream file(path);
    file << j.str();
    if (!file) fail("cannot write " + path);
}

}  // namespace bro::e2e
