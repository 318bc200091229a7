#include "server/bounds_settings.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "server/limit_flags.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

// Reads a duration flag into `out`.
void read_seconds(const po::variables_map& vm, const char* flag, double max_seconds,
                  std::chrono::nanoseconds& out) {
    if (!vm.count(flag)) return;
    const double seconds = vm[flag].as<double>();
    if (!(seconds >= 0 && seconds <= max_seconds)) {
        throw ConfigError(std::string("--") + flag + " " + std::to_string(seconds) + ": use 0 to " +
                          std::to_string(static_cast<long>(max_seconds)) + " seconds");
    }
    out = std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

// A size such as 4096, 64K, 16M or 2G (binary multiples); nullopt when malformed or too big.
std::optional<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end == text.data()) return std::nullopt;
    const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    int shift = 0;
    if (suffix == "K" || suffix == "k") {
        shift = 10;
    } else if (suffix == "M" || suffix == "m") {
        shift = 20;
    } else if (suffix == "G" || suffix == "g") {
        shift = 30;
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (shift > 0 && value > (SIZE_MAX >> shift)) return std::nullopt;
    return value << shift;
}

}  // namespace

void read_durations(const po::variables_map& vm, ServerConfig& c) {
    constexpr double kDay = 86400;
    for (auto [flag, out] :
         {std::pair{"kill-grace", &c.kill_grace}, std::pair{"timeout", &c.run_timeout},
          std::pair{"request-timeout", &c.request_timeout},
          std::pair{"upload-timeout", &c.upload_timeout},
          std::pair{"drain-timeout", &c.drain_timeout},
          std::pair{"report-timeout", &c.report_timeout}}) {
        read_seconds(vm, flag, kDay, *out);
    }
    // Every phase has a deadline: these cannot be turned off.
    for (auto [flag, value] : {std::pair{"request-timeout", c.request_timeout},
                               std::pair{"upload-timeout", c.upload_timeout},
                               std::pair{"report-timeout", c.report_timeout}}) {
        if (vm.count(flag) && value.count() == 0) {
            throw ConfigError(std::string("--") + flag + " must be more than 0");
        }
    }
    if (!vm.count("upload-timeout")) c.upload_timeout = c.request_timeout;
}

void read_limits(const po::variables_map& vm, ServerConfig& c) {
    for (const auto& limit : limit_flags()) {
        if (!vm.count(limit.flag)) continue;
        const std::string text = vm[limit.flag].as<std::string>();
        const auto value = parse_size(text);
        if (!value || *value < limit.min || *value > limit.max) {
            throw ConfigError(std::string("--") + limit.flag + " " + text + ": use a number from " +
                              std::to_string(limit.min) + " to " + std::to_string(limit.max));
        }
        c.limits.*limit.member = *value;
    }
}

void read_session_limits(const po::variables_map& vm, ServerConfig& c) {
    constexpr long long kMost = 1 << 20;
    for (auto [flag, out] :
         {std::pair{"max-sessions", &c.admission.max_sessions},
          std::pair{"max-sessions-per-uid", &c.admission.max_sessions_per_uid}}) {
        if (!vm.count(flag)) continue;
        const long long value = vm[flag].as<long long>();
        if (value < 1 || value > kMost) {
            throw ConfigError(std::string("--") + flag + " " + std::to_string(value) +
                              ": use 1 to " + std::to_string(kMost));
        }
        *out = static_cast<std::size_t>(value);
    }
    if (!vm.count("max-sessions-per-uid")) {
        c.admission.max_sessions_per_uid = default_sessions_per_uid(c.admission.max_sessions);
    }
}

void read_lifetime(const po::variables_map& vm, ServerConfig& c) {
    c.keep_background = vm["keep-background"].as<bool>();
    if (!vm.count("session-cgroups")) return;
    const std::string value = vm["session-cgroups"].as<std::string>();
    constexpr std::pair<const char*, CgroupChoice> kChoices[] = {
        {"auto", CgroupChoice::kAuto}, {"on", CgroupChoice::kOn}, {"off", CgroupChoice::kOff}};
    for (const auto& [name, choice] : kChoices) {
        if (value != name) continue;
        c.session_cgroups = choice;
        return;
    }
    throw ConfigError("--session-cgroups " + value + ": use auto, on or off");
}

}  // namespace bro::server
