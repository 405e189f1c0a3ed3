// evaluate(): each declared check to the check of its kind, and the helpers every kind starts from (internal.hpp).
#include "checks/checks.hpp"

#include <fmt/format.h>

#include "checks/internal.hpp"

namespace parex {

CheckResult start(const CheckSpec& check) {
  CheckResult result;
  result.kind = std::string(to_string(check.kind));
  result.name = check.name;
  return result;
}

const std::vector<Run>* baseline_runs(const Evidence& evidence, const std::string& name) {
  auto it = evidence.baselines.find(name);
  return it == evidence.baselines.end() || it->second.empty() ? nullptr : &it->second;
}

CheckResult fail_without_runs(CheckResult result, std::string_view what) {
  result.passed = false;
  result.message = fmt::format("no {} to compare", what);
  return result;
}

namespace {

CheckResult evaluate_kind(const CheckSpec& check, const Evidence& evidence) {
  switch (check.kind) {
    case CheckKind::speedup:
      return check_speedup(check, evidence);
    case CheckKind::benchmark_speedup:
      return check_benchmark_speedup(check, evidence);
    case CheckKind::same_lines:
      return check_same_lines(check, evidence);
    case CheckKind::in_order:
      return check_in_order(check, evidence);
    case CheckKind::interleaved:
      return check_interleaved(check, evidence);
    case CheckKind::filecheck:
      return check_filecheck(check, evidence);
    case CheckKind::isolation:
      return check_isolation(check, evidence);
    case CheckKind::exit:
      return check_exit(check, evidence);
    case CheckKind::processes:
      return check_processes(check, evidence);
    case CheckKind::scaling:
      return check_scaling(check, evidence);
    case CheckKind::races:
      return check_races(check, evidence);
  }
  return start(check);
}

}  // namespace

CheckResult evaluate(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = evaluate_kind(check, evidence);
  // The author's hint is about the program: shown when it failed, not when the check could not judge it.
  if (!result.passed && !result.cannot_judge) result.hint = check.hint;
  return result;
}

}  // namespace parex
