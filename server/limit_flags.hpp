#pragma once
// The bro-server flags that set ProtocolLimits (--max-args, ...): one table read by the
// command line (flags, ranges, --help) and by sessions (naming the flag in a refusal).

#include <cstddef>
#include <span>
#include <string>

#include "core/limits.hpp"

namespace bro::server {

struct LimitFlag {
    Limit limit = Limit::kRequestBytes;
    const char* flag = "";  // without the leading "--"
    std::size_t ProtocolLimits::*member = nullptr;
    std::size_t min = 0;  // the range start-up accepts
    std::size_t max = 0;
    const char* help = "";
};

std::span<const LimitFlag> limit_flags();

// What a refused client reads after the decoder's message: which server flag sets the limit,
// e.g. " (set by bro-server --max-args)".
std::string limit_hint(Limit limit);

}  // namespace bro::server
