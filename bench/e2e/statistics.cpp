#include "bench/e2e/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace bro::e2e {

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    // Nearest-rank on a 0-based index, interpolated between neighbours.
    const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
    const auto low = static_cast<std::size_t>(std::floor(rank));
    const auto high = std::min(low + 1, values.size() - 1);
    const double fraction = rank - static_cast<double>(low);
    return values[low] + (values[high] - values[low]) * fraction;
}

double median(const std::vector<double>& values) {
    return percentile(values, 50);
}

Distribution Distribution::of(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return {percentile(v, 50),
            percentile(v, 90),
            percentile(v, 99),
            sum / static_cast<double>(v.size()),
            *std::min_element(v.begin(), v.end()),
            *std::max_element(v.begin(), v.end())};
}

void set_range(Spread& s) {
    s.min = *std::min_element(s.parts.begin(), s.parts.end());
    s.max = *std::max_element(s.parts.begin(), s.parts.end());
}

double ratio_of(double a, double b) {
    return a / b;
}

double difference_of(double a, double b) {
    return a - b;
}

Spread block_spread(const std::vector<double>& a, const std::vector<double>& b, std::size_t blocks,
                    double (*combine)(double, double)) {
    blocks = std::max<std::size_t>(1, std::min(blocks, a.size()));
    const std::size_t per_block = a.size() / blocks;
    const auto block_median = [&](const std::vector<double>& v, std::size_t k) {
        const auto begin = v.begin() + static_cast<std::ptrdiff_t>(k * per_block);
        const auto end = k + 1 == blocks
                             ? v.end()
                             : v.begin() + static_cast<std::ptrdiff_t>((k + 1) * per_block);
        return median(std::vector<double>(begin, end));
    };
    Spread s;
    s.value = combine(median(a), median(b));
    for (std::size_t k = 0; k < blocks; ++k) {
        s.parts.push_back(combine(block_median(a, k), block_median(b, k)));
    }
    set_range(s);
    return s;
}

}  // namespace bro::e2e
