#pragma once
// The report as JSON (--json FILE): the same measurements with every part of each spread, for
// tools/bench-chart and for comparing runs.

#include <string>

#include "bench/e2e/options.hpp"
#include "bench/e2e/results.hpp"

namespace bro::e2e {

void write_json(const std::string& path, const Results& results, const Options& options);

}  // namespace bro::e2e
