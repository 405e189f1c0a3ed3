// The checking layer: pure functions from recorded runs to verdicts, testable without processes.
// One file per kind of check: timing.cpp, output.cpp, processes.cpp, implicit.cpp (exit and the run checks every
// variant gets); the statistics they use in statistics.hpp, the helpers they share in internal.hpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "checks/evidence.hpp"
#include "checks/statistics.hpp"
#include "data/record.hpp"
#include "data/result.hpp"

namespace parex {

// Evaluates one declared check; a failed one (not one that could not be judged) carries the check's hint.
CheckResult evaluate(const CheckSpec& check, const Evidence& evidence);

// The run checks every graded variant gets: exit status (unless `checks` has an exit check), no timeout,
// no limit exceeded, no leaked processes, and baselines that ran cleanly.
std::vector<CheckResult> implicit_checks(const std::vector<CheckSpec>& checks, const Evidence& evidence);

// The first check that failed in a way more runs cannot undo: a run check that zeroes a score (exit, timeout, limits,
// leaks) failed on one of `evidence`'s runs, or, with `declared`, a declared check that must hold on every run
// (output, processes, isolation). nullopt while each of them holds (timing checks and baselines are not judged here).
std::optional<CheckResult> sealing_failure(const std::vector<CheckSpec>& checks, const Evidence& evidence,
                                           bool declared);

// True when more runs could change a speedup check's verdict: its interval straddles the threshold, or
// steal disturbed its pairs (speedup) or every run of its benchmark program (benchmark_speedup).
bool speedup_undecided(const CheckSpec& check, const Evidence& evidence);

// The CPU counts a scaling check runs the graded variant on: 1, 2, 4, ... below `cores`, and `cores`.
std::vector<int> scaling_points(int cores);

// A timing run the hypervisor (steal) or the machine's other processes disturbed: timing checks leave it out.
bool disturbed(const Run& run);

}  // namespace parex
