// The data a grade produces, below every layer that makes, checks, scores or writes it: a variant's status, its
// checks' results, the machine it ran on, and the whole result (runs in record.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/record.hpp"

namespace parex {

// pass/fail: the variant met/missed its expectation; error: it could not be graded (the machine, a grader or
// catalog fault); build_error: its case did not compile, so nothing was run (never a stale executable).
// missing: a graded submission holds none of the case's files (it scores 0).
enum class Status { pass, fail, error, build_error, missing };

std::string_view to_string(Status status);

struct CheckResult {
  std::string kind;  // a CheckKind name, or an implicit check: exit, timeout, limits, no_leaks, baseline
  std::string name;  // what the console and report call it
  bool passed = false;
  bool implicit = false;
  // The check could not be judged, through no fault of the program (an unreachable threshold, a pattern
  // the engine refuses): the variant is `error`, never `fail`.
  bool cannot_judge = false;
  std::string message;  // one line
  std::string detail;   // multi-line diagnostic, FileCheck-style where it applies
  // The case author's hint (Markdown), copied from the check's `hint` only when the check failed on the program:
  // never on a pass, nor on a check that could not be judged (the machine's fault, not the program's).
  std::string hint;
  std::optional<double> measured;
  std::optional<double> threshold;
  nlohmann::json data = nlohmann::json::object();  // kind-specific evidence for the report
  // Set by scoring (score.hpp) on declared checks: points earned and available, and who sees the check.
  std::optional<double> score;
  std::optional<double> max_score;
  std::string visibility;
};

struct MachineInfo {
  int cores = 1;  // CPUs this process may use: affinity, capped by a cgroup CPU quota
  int cpus_online = 1;
  std::string hostname;
  std::string kernel;
  std::string containment;  // how process limits are enforced
  std::string sandbox;      // what the runs' sandbox applied, or why there was none
  // A timing variant's wait for the machine's lock (MachineLock), in seconds; -1 when it ran without the lock,
  // nullopt when it has no timing check.
  std::optional<double> lock_wait_s;
  // The CPUs a grade's runs were confined to (a speedup's `workers`, on a machine with more); empty: all of `cores`.
  std::vector<int> cpus;
};

struct VariantResult {
  std::string case_name;
  std::string variant;
  std::string title;
  std::string about;
  std::vector<std::string> tags;
  Expect expect = Expect::pass;
  Status status = Status::error;
  std::string error;  // why it could not be graded
  MachineInfo machine;
  double time_scale = 1;
  std::string started_at;
  double duration_s = 0;
  int repetitions = 0;
  int pairs = 0;              // counted runs of each participant, adaptive ones included
  std::string stopped_early;  // why fewer than `repetitions` pairs ran: the verdict was sealed
  int warmup = 0;
  double timeout_s = 0;
  Capture capture = Capture::pipe;
  std::vector<CheckResult> checks;
  std::vector<Run> runs;        // every run, warmups included, in the order they ran
  std::optional<double> score;  // points earned; none when status is error (never scored)
  double max_score = 0;
  std::string score_gate;     // why it scores 0 whatever its checks earned
  std::string score_summary;  // "6/10 points"
};

}  // namespace parex
