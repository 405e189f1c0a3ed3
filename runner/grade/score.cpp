#include "grade/score.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace parex {
namespace {

std::string points(double value) {
  return std::abs(value - std::round(value)) < 1e-9 ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}", value);
}

}  // namespace

double earned_fraction(const CheckSpec& spec, const CheckResult& result) {
  if (spec.bands.empty() || !result.measured) return result.passed ? 1.0 : 0.0;
  double value = *result.measured;
  // An efficiency check's bar is efficiency x min(workers, cores): its bands are in efficiency too.
  if (spec.efficiency && result.threshold && *result.threshold > 0)
    value = value * *spec.efficiency / *result.threshold;
  for (const auto& [at_least, fraction] : spec.bands)
    if (value + 1e-12 >= at_least) return fraction;
  return 0.0;
}

CaseScore score_checks(const CaseSpec& spec, std::vector<CheckResult>& checks, bool build_error, bool grading_error) {
  CaseScore out;
  for (const auto& check : spec.checks) out.max_score += check.points;
  double earned = 0, hidden = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    CheckResult& result = checks[i];
    if (result.implicit) {
      if (!result.passed && out.gate.empty())
        out.gate = fmt::format("the run check '{}' failed ({}): the case scores 0", result.name, result.message);
      continue;
    }
    if (i >= spec.checks.size()) continue;
    const CheckSpec& check = spec.checks[i];
    result.max_score = check.points;
    result.visibility = std::string(to_string(check.visibility));
    result.score = check.points * earned_fraction(check, result);
    earned += *result.score;
    if (check.visibility != Visibility::visible) hidden += check.points;
  }
  if (build_error) out.gate = "the case did not build: it scores 0";
  if (grading_error) {
    out.summary =
        fmt::format("not scored: could not be graded (0 of {} points awarded, none lost)", points(out.max_score));
    return out;
  }
  if (!out.gate.empty()) {
    earned = 0;
    for (auto& result : checks)
      if (result.score) result.score = 0.0;
  }
  out.score = earned;
  out.summary = fmt::format("{}/{} points", points(earned), points(out.max_score));
  if (hidden > 0) out.summary += fmt::format(" ({} of them in hidden checks)", points(hidden));
  return out;
}

}  // namespace parex
