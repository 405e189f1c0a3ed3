// Internal to checks/: the check of each kind that evaluate() dispatches to, and the helpers the check files share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "checks/evidence.hpp"
#include "data/record.hpp"
#include "data/result.hpp"

namespace parex {

// A result for `check` with its kind and name filled in, not yet passed (checks.cpp).
CheckResult start(const CheckSpec& check);

// The runs of baseline `name`, nullptr when it has none (checks.cpp).
const std::vector<Run>* baseline_runs(const Evidence& evidence, const std::string& name);

// `result` failed because there were no `what` to compare (checks.cpp).
CheckResult fail_without_runs(CheckResult result, std::string_view what);

// Timing checks (timing.cpp): paired speedup against a baseline variant, a benchmark program's own speedup, and
// scaling with the CPUs against Amdahl's law.
CheckResult check_speedup(const CheckSpec& check, const Evidence& evidence);
CheckResult check_benchmark_speedup(const CheckSpec& check, const Evidence& evidence);
CheckResult check_scaling(const CheckSpec& check, const Evidence& evidence);
CheckResult check_races(const CheckSpec& check, const Evidence& evidence);

// Output checks (output.cpp): the same lines as a baseline, lines in its order, interleaved spans, FileCheck.
CheckResult check_same_lines(const CheckSpec& check, const Evidence& evidence);
CheckResult check_in_order(const CheckSpec& check, const Evidence& evidence);
CheckResult check_interleaved(const CheckSpec& check, const Evidence& evidence);
CheckResult check_filecheck(const CheckSpec& check, const Evidence& evidence);

// Process checks (processes.cpp): how many processes ran at once and where the tasks ran, and memory isolation.
CheckResult check_processes(const CheckSpec& check, const Evidence& evidence);
CheckResult check_isolation(const CheckSpec& check, const Evidence& evidence);

// The exit status of every run (implicit.cpp); runs the runner stopped are left to the timeout and limits checks.
CheckResult check_exit(const CheckSpec& check, const Evidence& evidence);

}  // namespace parex
