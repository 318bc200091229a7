#include "bench/e2e/number_format.hpp"

#include <cstdio>

namespace bro::e2e {

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

std::string ms(double seconds) {
    return fixed(seconds * 1e3, 3);
}

}  // namespace bro::e2e
