// Scoring: points for a graded variant's checks, above the checking layer and below every exporter.
// Pure functions of a case's spec and a variant's result, testable without processes.
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.hpp"
#include "checks/checks.hpp"

namespace parex {

// The share of its points a declared check earns: 1 or 0 by its verdict, or, with `bands`, the fraction
// of the highest band its measured median reaches (in efficiency for an efficiency check).
double earned_fraction(const CheckSpec& spec, const CheckResult& result);

struct CaseScore {
  std::optional<double> score;  // none when the variant could not be graded (status error): never scored
  double max_score = 0;
  std::string gate;     // why the score is 0 whatever the checks earned: a failed run check, a build error
  std::string summary;  // "6/10 points" or "6/10 points (+4 hidden)"
};

// Scores the declared checks of a graded variant (result.checks holds them first, in spec order, then the
// run checks). Run checks carry no points but gate: one failed zeroes the case. A build error scores 0.
// Sets score and max_score on each check result it scores.
CaseScore score_checks(const CaseSpec& spec, std::vector<CheckResult>& checks, bool build_error, bool grading_error);

}  // namespace parex
