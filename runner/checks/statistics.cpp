// Statistics for the timing checks: the median, its interval, and Amdahl's serial fraction fitted to speedups.
#include "checks/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace parex {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::optional<std::pair<double, double>> median_interval(std::vector<double> values) {
  const std::size_t n = values.size();
  if (n < 6) return std::nullopt;
  std::sort(values.begin(), values.end());
  // Largest k with P(Binomial(n, 1/2) < k) <= 2.5%: [x_(k), x_(n-k+1)] then covers the median with >= 95%.
  std::vector<double> cdf(n + 1);
  double p = std::pow(0.5, static_cast<double>(n)), acc = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i <= n; ++i) {
    if (i > 0) p = p * static_cast<double>(n - i + 1) / static_cast<double>(i);
    if (acc + p > 0.025) break;
    acc += p;
    k = i + 1;
  }
  if (k == 0) return std::nullopt;
  return std::make_pair(values[k - 1], values[n - k]);
}

std::optional<std::pair<double, double>> speedup_interval(const std::vector<double>& ratios) {
  if (ratios.size() < 2) return std::nullopt;
  if (auto interval = median_interval(ratios)) return interval;
  auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  return std::make_pair(*low, *high);
}

std::optional<double> amdahl_serial_fraction(const std::vector<std::pair<int, double>>& points) {
  // 1/S = f + (1 - f)/w, so y = 1/S - 1/w = f (1 - 1/w) = f x: a line through the origin. One worker says nothing.
  double sxy = 0, sxx = 0;
  for (const auto& [workers, speedup] : points) {
    if (workers < 2 || speedup <= 0) continue;
    const double x = 1 - 1.0 / workers, y = 1 / speedup - 1.0 / workers;
    sxy += x * y;
    sxx += x * x;
  }
  if (sxx <= 0) return std::nullopt;
  return sxy / sxx;
}

}  // namespace parex
