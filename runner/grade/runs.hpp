// The runs phase of a grade: the plan's runs made through an executor, with grading's rules on when to stop,
// reuse, add or replace a pair.
#pragma once

#include <string>

#include "checks/checks.hpp"
#include "grade/plan.hpp"

namespace parex::grading {

// How long a baseline's recorded runs stand in for its own (docs/extensions.md, "Reused baseline runs"): a ctest
// session's grades of one case follow each other within seconds.
inline constexpr double kRecordedBaselineMaxAge_s = 600;

// Runs of a benchmark program, or of a scaling check's lone 1-CPU point, at most, while disturbances spoil them
// (docs/extensions.md).
inline constexpr int kMaxQuietTries = 3;

// What the runs phase leaves for the verdict.
struct Runs {
  Evidence evidence;
  std::string tampered;   // a baseline that is not the program the build made: the grade is an error
  std::string sealed;     // why no more runs were made: a check failed that must hold on every run
  std::string sealed_by;  // that check's name
};

// Makes the plan's runs with `execute`, in order: warmups, baseline/graded pairs (the first baseline reused from the
// cache where it may be), adaptive pairs while a speedup is undecided, a benchmark's quiet retries, and a scaling
// check's points; stops early once a verdict is sealed. Appends each run to result.runs; sets result.pairs and
// result.stopped_early; records the baseline runs for the case's next grade.
Runs make_runs(const CaseSpec& spec, const Plan& plan, const GradeOptions& options, const Executor& execute,
               VariantResult& result);

}  // namespace parex::grading
