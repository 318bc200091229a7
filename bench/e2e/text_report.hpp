#pragma once
// The report on stdout: Markdown tables, one per arm (tools/bench keeps it as e2e.md and in
// docs/benchmarks/latest.md).

#include "bench/e2e/options.hpp"
#include "bench/e2e/results.hpp"

namespace bro::e2e {

void print_report(const Results& results, const Options& options);

}  // namespace bro::e2e
