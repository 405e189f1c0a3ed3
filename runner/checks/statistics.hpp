// Statistics for the timing checks: the median, its interval, and Amdahl's serial fraction fitted to speedups.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace parex {

// The speedup check's interval for the median ratio: order statistics (~95%) from 6 pairs, else the
// range of the ratios (it covers the median with probability 1 - 2^(1-n): 75% for 3 pairs).
std::optional<std::pair<double, double>> speedup_interval(const std::vector<double>& ratios);

// Amdahl's serial fraction f fitted to (workers, speedup) points, speedup = 1 / (f + (1 - f) / workers), by least
// squares on 1/speedup; nullopt without a point beyond one worker.
std::optional<double> amdahl_serial_fraction(const std::vector<std::pair<int, double>>& points);

// Median of a non-empty sample.
double median(std::vector<double> values);

// A distribution-free ~95% confidence interval for the median (order statistics); nullopt under 6 values.
std::optional<std::pair<double, double>> median_interval(std::vector<double> values);

}  // namespace parex
