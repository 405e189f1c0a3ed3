// The checking layer: pure functions from recorded runs to verdicts, testable without processes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "data/record.hpp"
#include "data/result.hpp"

namespace parex {


// What the checks of one graded variant see: its counted runs and those of its baselines, in run order.
struct Evidence {
  std::vector<Run> graded;
  std::map<std::string, std::vector<Run>> baselines;
  int cores = 1;
  int repetitions = 0;  // the pairs a speedup wants; disturbed pairs do not count towards them
  // scaling: the graded variant's runs confined to 1, 2, 4, ... CPUs, by the number of CPUs.
  std::map<int, std::vector<Run>> scaling;
};

// Evaluates one declared check.
CheckResult evaluate(const CheckSpec& check, const Evidence& evidence);

// The run checks every graded variant gets: exit status (unless `checks` has an exit check), no timeout,
// no limit exceeded, no leaked processes, and baselines that ran cleanly.
std::vector<CheckResult> implicit_checks(const std::vector<CheckSpec>& checks, const Evidence& evidence);

// The first check that failed in a way more runs cannot undo: a run check that zeroes a score (exit, timeout, limits,
// leaks) failed on one of `evidence`'s runs, or, with `declared`, a declared check that must hold on every run
// (output, processes, isolation). nullopt while each of them holds (timing checks and baselines are not judged here).
std::optional<CheckResult> sealing_failure(const std::vector<CheckSpec>& checks, const Evidence& evidence, bool declared);

// The speedup check's interval for the median ratio: order statistics (~95%) from 6 pairs, else the
// range of the ratios (it covers the median with probability 1 - 2^(1-n): 75% for 3 pairs).
std::optional<std::pair<double, double>> speedup_interval(const std::vector<double>& ratios);

// True when more runs could change a speedup check's verdict: its interval straddles the threshold, or
// steal disturbed its pairs (speedup) or every run of its benchmark program (benchmark_speedup).
bool speedup_undecided(const CheckSpec& check, const Evidence& evidence);

// The CPU counts a scaling check runs the graded variant on: 1, 2, 4, ... below `cores`, and `cores`.
std::vector<int> scaling_points(int cores);

// A timing run the hypervisor (steal) or the machine's other processes disturbed: timing checks leave it out.
bool disturbed(const Run& run);

// Amdahl's serial fraction f fitted to (workers, speedup) points, speedup = 1 / (f + (1 - f) / workers), by least
// squares on 1/speedup; nullopt without a point beyond one worker.
std::optional<double> amdahl_serial_fraction(const std::vector<std::pair<int, double>>& points);

// Median of a non-empty sample.
double median(std::vector<double> values);

// A distribution-free ~95% confidence interval for the median (order statistics); nullopt under 6 values.
std::optional<std::pair<double, double>> median_interval(std::vector<double> values);

}  // namespace parex
