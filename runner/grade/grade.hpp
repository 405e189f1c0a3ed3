// Grading one variant of a case: plan the runs, make them, judge them.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "checks/checks.hpp"
#include "data/record.hpp"
#include "data/result.hpp"
#include "spawn/sysinfo.hpp"

namespace parex {

struct GradeOptions {
  std::filesystem::path bin_dir;                 // where <variant> executables are
  std::optional<int> repetitions;                // overrides case.toml
  std::optional<double> time_scale;              // overrides case.toml
  std::string python;                            // runs `command`s starting with python3/python, when set
  std::function<void(const Run&)> on_run;        // progress, called after each run
  bool sandbox = true;                           // sandbox every run where the runner can (docs/process-control.md)
  std::vector<std::filesystem::path> hide;       // more for runs never to see: the results folder, instructor files
  std::filesystem::path baseline_cache;          // baseline runs recorded here for the case's other grades, and
                                                 // reused from here (docs/extensions.md); "": neither
  std::vector<std::string> pass_env;             // more names of the grader's environment for the runs (--pass-env)
};

// The names of the grader's environment a graded run gets: PATH, HOME, LANG, TERM and `extra` (parex's own
// PAREX_* always). Nothing else of it: CI and platform tokens, a grader's secrets.
std::vector<std::string> run_environment(const std::vector<std::string>& extra);


// Scores `result` (see score.hpp) and records it in the result.
void apply_score(const CaseSpec& spec, VariantResult& result);

// The result of a variant that was not run (a build error, a missing submission, a spent budget): `status`
// and why, scored as such.
VariantResult unrun_result(const CaseSpec& spec, const std::string& variant, Status status, std::string why);

// The command line that runs `variant`, or an error message when it cannot be run.
struct Command {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  std::string error;
};
Command command_for(const CaseSpec& spec, const VariantSpec& variant, const std::filesystem::path& bin_dir,
                    const std::string& python = "");

// Grades `variant` (which must be graded in `spec`): warmups, then baseline/graded pairs, then every check.
VariantResult grade_variant(const CaseSpec& spec, const std::string& variant, const GradeOptions& options);


}  // namespace parex
