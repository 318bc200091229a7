#pragma once
// The statistics every arm reports: percentiles of a sample, and a statistic over the whole
// run beside the same statistic within parts of it (blocks of rounds, or repeats), whose
// min/max is the spread the report prints.

#include <cstddef>
#include <vector>

namespace bro::e2e {

// The p-th percentile (0-100): nearest rank on a 0-based index, interpolated between
// neighbours. 0 for no values.
double percentile(std::vector<double> values, double p);

double median(const std::vector<double>& values);

struct Distribution {
    double p50 = 0, p90 = 0, p99 = 0, mean = 0, min = 0, max = 0;
    static Distribution of(const std::vector<double>& v);
};

// A statistic over the whole run, and the same statistic within parts of it (blocks of rounds,
// or repeats) with their min/max.
struct Spread {
    double value = 0, min = 0, max = 0;
    std::vector<double> parts;
};

// Sets min and max from the parts.
void set_range(Spread& s);

double ratio_of(double a, double b);
double difference_of(double a, double b);

// combine(median(a), median(b)) over all rounds, and within each of `blocks` consecutive
// blocks of rounds (a and b hold the same rounds).
Spread block_spread(const std::vector<double>& a, const std::vector<double>& b, std::size_t blocks,
                    double (*combine)(double, double));

}  // namespace bro::e2e
