#pragma once
// The configuration's one error convention: a reader or check that finds the configuration
// unusable throws a ConfigError whose text names the flag (or the file, line and key of the
// --config file), the value and what to do instead; parse_command_line() prints it once and
// refuses to start.

#include <stdexcept>

namespace bro::server {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace bro::server
