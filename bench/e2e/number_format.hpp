#pragma once
// How the reports write numbers: fixed decimals, and seconds as milliseconds.

#include <string>

namespace bro::e2e {

// `value` with `digits` decimals ("%.*f").
std::string fixed(double value, int digits);

// Seconds as milliseconds with three decimals.
std::string ms(double seconds);

}  // namespace bro::e2e
