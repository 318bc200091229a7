#pragma once
// --rlimit NAME=SOFT[:HARD]: the names prlimit(1) uses (nofile, nproc, as, core, ...), values
// as numbers or "unlimited".

#include <sys/resource.h>

#include <optional>
#include <string>
#include <string_view>

namespace bro::server::profile {

struct ResourceLimitSetting {
    int resource = 0;  // RLIMIT_*
    rlimit limit{};
};

// Parses "nofile=1024:4096" or "core=0" (one value sets both limits); nullopt when the name is
// unknown, a value is not a number or "unlimited", or soft exceeds hard.
std::optional<ResourceLimitSetting> parse_resource_limit(std::string_view text);

// "nofile"; "resource N" for an unknown number.
std::string resource_name(int resource);

// "1024", or "unlimited".
std::string limit_value_text(rlim_t value);

}  // namespace bro::server::profile
