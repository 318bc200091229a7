#pragma once
// The machine line of both reports.

#include <string>

namespace bro::e2e {

// "N CPU(s), MODEL, Linux RELEASE".
std::string machine_description();

}  // namespace bro::e2e
