// How runs ended: the exit check, the run checks every graded variant gets (exit, timeout, limits, leaks, clean
// baselines) and sealing, the failures more runs cannot undo.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/checks.hpp"
#include "checks/hang_explain.hpp"
#include "checks/internal.hpp"
#include "match/regex.hpp"

namespace parex {
namespace {

// The last few lines a run printed, for a verdict about how it ended.
std::string last_output(const Run& run, std::size_t count = 3) {
  std::vector<std::string> tail;
  for (auto it = run.lines.rbegin(); it != run.lines.rend() && tail.size() < count; ++it)
    tail.insert(tail.begin(),
                fmt::format("  {:>8.3f}s {} | {}", it->t_s, to_string(it->stream), regex::excerpt(it->text)));
  return tail.empty() ? "  (no output)" : fmt::format("{}", fmt::join(tail, "\n"));
}

// Runs the runner stopped itself: their exit status says nothing about the program.
bool killed_by_runner(const Run& run) {
  return run.outcome == Outcome::timeout || run.outcome == Outcome::output_limit ||
         run.outcome == Outcome::process_limit || run.outcome == Outcome::memory_limit ||
         run.outcome == Outcome::spawn_error || run.outcome == Outcome::runner_stopped;
}

std::string describe_end(const Run& run) {
  if (run.signal) return fmt::format("was killed by {}", signal_name(*run.signal));
  if (run.exit_code) return fmt::format("exited with code {}", *run.exit_code);
  return "ended without a status";
}

CheckResult implicit(std::string kind, std::string name) {
  CheckResult result;
  result.kind = std::move(kind);
  result.name = std::move(name);
  result.implicit = true;
  result.passed = true;
  return result;
}

}  // namespace

CheckResult check_exit(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    const Run& run = evidence.graded[r];
    if (killed_by_runner(run)) continue;  // the timeout and limits checks say why
    bool ok = check.signal ? run.signal == check.signal : (!run.signal && run.exit_code == check.code.value_or(0));
    if (ok) continue;
    result.passed = false;
    result.message = fmt::format("run {} {}, expected {}", r + 1, describe_end(run),
                                 check.signal ? fmt::format("death by {}", signal_name(*check.signal))
                                              : fmt::format("exit code {}", check.code.value_or(0)));
    result.detail = fmt::format("last output:\n{}", last_output(run, 5));
  }
  if (result.passed) result.message = fmt::format("{} run(s)", evidence.graded.size());
  return result;
}

std::vector<CheckResult> implicit_checks(const std::vector<CheckSpec>& checks, const Evidence& evidence) {
  std::vector<CheckResult> out;
  const std::size_t runs = evidence.graded.size();
  bool explicit_exit =
      std::any_of(checks.begin(), checks.end(), [](const CheckSpec& c) { return c.kind == CheckKind::exit; });
  if (!explicit_exit) {
    CheckSpec zero;
    zero.kind = CheckKind::exit;
    zero.name = "exit code 0";
    CheckResult exit = check_exit(zero, evidence);
    exit.implicit = true;
    out.push_back(std::move(exit));
  }

  CheckResult timeout = implicit("timeout", "no timeout");
  CheckResult limits = implicit("limits", "within limits");
  CheckResult leaks = implicit("no_leaks", "no leaked processes");
  for (std::size_t r = 0; r < runs; ++r) {
    const Run& run = evidence.graded[r];
    if (run.outcome == Outcome::timeout && timeout.passed) {
      timeout.passed = false;
      timeout.message = fmt::format("run {} {}", r + 1, run.error);
      std::string where;
      if (run.hang && !run.hang->processes.empty()) {
        where = "where each process was when it timed out:\n";
        const auto lines = describe_processes(*run.hang);
        for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 12); ++i) where += "  " + lines[i] + "\n";
        if (lines.size() > 12)
          where += fmt::format("  ... and {} more (the results have them all)\n", lines.size() - 12);
        for (const auto& line : run.hang->explanation) where += "why: " + line + "\n";
      }
      timeout.detail = fmt::format(
          "{}it was still running: the whole process tree was stopped (SIGTERM, then SIGKILL)\n"
          "last output:\n{}",
          where, last_output(run, 5));
      if (run.hang) timeout.data = {{"run", r + 1}, {"explanation", run.hang->explanation}, {"cycle", run.hang->cycle}};
    }
    bool limit = run.outcome == Outcome::output_limit || run.outcome == Outcome::process_limit ||
                 run.outcome == Outcome::memory_limit;
    if (limit && limits.passed) {
      limits.passed = false;
      limits.message = fmt::format("run {} {}", r + 1, run.error);
      limits.detail = fmt::format("the run was stopped ({}) and its process tree killed\nlast output:\n{}",
                                  to_string(run.outcome), last_output(run, 5));
      limits.data = {{"outcome", to_string(run.outcome)}};
    }
    if (!run.leaked.empty() && leaks.passed) {
      leaks.passed = false;
      std::vector<std::string> rows;
      for (const auto& leaked : run.leaked) rows.push_back(fmt::format("  pid {}: {}", leaked.pid, leaked.cmdline));
      leaks.message =
          fmt::format("run {} left {} process(es) running after its main process exited", r + 1, run.leaked.size());
      std::string where;
      if (run.hang && run.hang->when == "leaked")
        for (const auto& line : describe_processes(*run.hang)) where += "\n  " + line;
      leaks.detail = fmt::format(
          "still alive when the main process exited (now killed):\n{}\n{}"
          "hint: join() every process you start, and close() and join() a pool",
          fmt::join(rows, "\n"), where.empty() ? "" : "where they were:" + where + "\n");
    }
  }
  for (auto* check : {&timeout, &limits, &leaks})
    if (check->passed) check->message = fmt::format("{} run(s)", runs);
  out.push_back(std::move(timeout));
  out.push_back(std::move(limits));
  out.push_back(std::move(leaks));

  for (const auto& [name, runs_of] : evidence.baselines) {
    CheckResult baseline = implicit("baseline", fmt::format("baseline '{}' ran cleanly", name));
    for (std::size_t r = 0; r < runs_of.size() && baseline.passed; ++r) {
      const Run& run = runs_of[r];
      if (run.outcome == Outcome::ok && run.leaked.empty()) continue;
      baseline.passed = false;
      baseline.message = fmt::format("run {} of '{}' {}", r + 1, name,
                                     run.outcome == Outcome::ok ? "leaked processes"
                                     : run.error.empty()        ? describe_end(run)
                                                                : run.error);
      baseline.detail =
          "checks that compare against this baseline are unreliable\nlast output:\n" + last_output(run, 5);
    }
    if (baseline.passed) baseline.message = fmt::format("{} run(s)", runs_of.size());
    out.push_back(std::move(baseline));
  }
  return out;
}

std::optional<CheckResult> sealing_failure(const std::vector<CheckSpec>& checks, const Evidence& evidence,
                                           bool declared) {
  if (evidence.graded.empty()) return std::nullopt;
  auto sealed = [](const CheckResult& r) { return !r.passed && !r.cannot_judge; };
  for (auto& result : implicit_checks(checks, evidence))
    if (result.kind != "baseline" && sealed(result)) return std::move(result);
  if (!declared) return std::nullopt;
  for (const auto& check : checks) {
    if (check.kind == CheckKind::speedup || check.kind == CheckKind::benchmark_speedup ||
        check.kind == CheckKind::scaling)
      continue;
    if (CheckResult result = evaluate(check, evidence); sealed(result)) return result;
  }
  return std::nullopt;
}

}  // namespace parex
