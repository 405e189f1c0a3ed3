// What a grade is set up with: its options, the command that runs a variant, and the executor that makes a run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.hpp"
#include "data/record.hpp"
#include "spawn/spawn.hpp"

namespace parex {

struct GradeOptions {
  std::filesystem::path bin_dir;            // where <variant> executables are
  std::optional<int> repetitions;           // overrides case.toml
  std::optional<double> time_scale;         // overrides case.toml
  std::string python;                       // runs `command`s starting with python3/python, when set
  std::function<void(const Run&)> on_run;   // progress, called after each run
  bool sandbox = true;                      // sandbox every run where the runner can (docs/process-control.md)
  std::vector<std::filesystem::path> hide;  // more for runs never to see: the results folder, instructor files
  std::filesystem::path baseline_cache;     // baseline runs recorded here for the case's other grades, and
                                            // reused from here (docs/extensions.md); "": neither
  std::vector<std::string> pass_env;        // more names of the grader's environment for the runs (--pass-env)
  std::optional<std::uint64_t> seed;        // every pair's seed, where the case draws one ([inputs]): --seed replays
};

// The names of the grader's environment a graded run gets: PATH, HOME, LANG, TERM and `extra` (parex's own
// PAREX_* always). Nothing else of it: CI and platform tokens, a grader's secrets.
std::vector<std::string> run_environment(const std::vector<std::string>& extra);

// The command line that runs `variant`, or an error message when it cannot be run.
struct Command {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  std::vector<std::pair<std::string, std::string>> env;  // set for its runs (a script's rule on imports)
  std::string error;
};
Command command_for(const CaseSpec& spec, const VariantSpec& variant, const std::filesystem::path& bin_dir,
                    const std::string& python = "");

// Makes one run of a grade and returns its record: the seam between grading's rules and the world.
using Executor = std::function<Run(const SpawnRequest&)>;

// The executor a grade uses: spawn_and_record, and with `timing` the machine's load around the run (its stolen,
// foreign and load shares).
Executor measured_executor(bool timing);

}  // namespace parex
