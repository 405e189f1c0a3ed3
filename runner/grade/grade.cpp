#include "grade/grade.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "grade/machine_lock.hpp"
#include "grade/runs.hpp"
#include "grade/score.hpp"

namespace parex {
namespace {

// The result of `variant` before any run (an unrun one's too): the case's and the variant's settings, the machine,
// the time.
VariantResult start_result(const CaseSpec& spec, const std::string& variant, const GradeOptions& options) {
  VariantResult result;
  result.case_name = spec.name;
  result.variant = variant;
  result.title = spec.title;
  result.about = spec.about;
  result.tags = spec.tags;
  result.machine = machine_info();
  result.started_at = utc_timestamp();
  result.time_scale = options.time_scale.value_or(spec.time_scale);
  result.repetitions = options.repetitions.value_or(spec.repetitions);
  result.warmup = spec.warmup;
  result.timeout_s = spec.timeout_s;
  result.capture = spec.capture;
  result.expect = spec.variants.at(variant).expect.value_or(Expect::pass);
  return result;
}

// The verdict phase: result.checks from the runs, then result.status and result.error.
void judge(const CaseSpec& spec, const grading::Runs& runs, VariantResult& result) {
  if (!runs.tampered.empty()) {
    result.error = runs.tampered;
    return;
  }
  // A run that could not start (its sandbox refused, exec failed), or whose runner was stopped, says nothing of the
  // program: the grader's fault.
  for (const auto& run : result.runs)
    if (run.outcome == Outcome::spawn_error || run.outcome == Outcome::runner_stopped) {
      result.error = fmt::format("{} #{}: {}", run.variant, run.index + 1, run.error);
      return;
    }
  for (const auto& check : spec.checks) result.checks.push_back(evaluate(check, runs.evidence));
  // A speedup measured on fewer pairs than asked, because the verdict was sealed, is shown, not judged: one pair of an
  // interpreter's runs ranges 0.7-1.7x, and a check passed on it would earn points it never showed.
  if (!runs.sealed.empty() && result.pairs < result.repetitions)
    for (auto& check : result.checks)
      if (check.kind == "speedup" && !check.cannot_judge) {
        check.passed = false;
        check.message = fmt::format("not judged: {} of {} pairs ran, as '{}' failed ({})", result.pairs,
                                    result.repetitions, runs.sealed_by, check.message);
        check.detail.clear();
        check.data["sealed"] = true;
      }
  for (auto& check : implicit_checks(spec.checks, runs.evidence)) result.checks.push_back(std::move(check));

  // A check that could not be judged makes the grade an error, unless another check failed: that verdict stands
  // (a starter on one CPU, or on a busy machine, still fails through its process checks).
  const bool failed_for_sure = std::any_of(result.checks.begin(), result.checks.end(),
                                           [](const CheckResult& c) { return !c.passed && !c.cannot_judge; });
  for (const auto& check : result.checks)
    if (check.cannot_judge && !failed_for_sure) {
      result.status = Status::error;
      result.error = fmt::format("{}: {}", check.name, check.message);
      return;
    }
  bool all_passed =
      std::all_of(result.checks.begin(), result.checks.end(), [](const CheckResult& c) { return c.passed; });
  result.status = (all_passed == (result.expect == Expect::pass)) ? Status::pass : Status::fail;
}

// The grade of `variant`: plan, runs (each made by `execute`, under the machine lock when `lock` and the case is
// timed), verdict.
VariantResult grade(const CaseSpec& spec, const std::string& variant, const GradeOptions& options,
                    const Executor& execute, bool lock) {
  const auto started = std::chrono::steady_clock::now();
  VariantResult result = start_result(spec, variant, options);
  auto finish = [&] {
    result.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    apply_score(spec, result);
    return result;
  };
  const grading::Plan plan = grading::plan_grade(spec, spec.variants.at(variant), options, result);
  if (!plan.error.empty()) {
    result.error = plan.error;
    return finish();
  }
  // One timed grade at a time on this machine: another runner's timed runs would slow these, and these its.
  MachineLock machine_lock;
  if (lock && plan.timing) {
    machine_lock = MachineLock::acquire([&] {
      fmt::print(stderr, "parex: {}/{}: waiting for another parex's timed runs to end (lock {})\n", spec.name, variant,
                 machine_lock_path());
    });
    result.machine.lock_wait_s = machine_lock.held() ? machine_lock.waited_s() : -1;
  }
  const grading::Runs runs = grading::make_runs(spec, plan, options, execute, result);
  judge(spec, runs, result);
  return finish();
}

}  // namespace

void apply_score(const CaseSpec& spec, VariantResult& result) {
  CaseScore score =
      score_checks(spec, result.checks, result.status == Status::build_error || result.status == Status::missing,
                   result.status == Status::error);
  if (result.status == Status::missing) score.gate = "the submission does not hold this case: it scores 0";
  result.score = score.score;
  result.max_score = score.max_score;
  result.score_gate = score.gate;
  result.score_summary = score.summary;
}

VariantResult unrun_result(const CaseSpec& spec, const std::string& variant, Status status, std::string why) {
  VariantResult result = start_result(spec, variant, {});
  result.status = status;
  result.error = std::move(why);
  apply_score(spec, result);
  return result;
}

VariantResult grade_variant(const CaseSpec& spec, const std::string& variant, const GradeOptions& options) {
  return grade(spec, variant, options, measured_executor(spec.has_timing_check()), true);
}

VariantResult grade_variant(const CaseSpec& spec, const std::string& variant, const GradeOptions& options,
                            const Executor& execute) {
  return grade(spec, variant, options, execute, false);
}

}  // namespace parex
