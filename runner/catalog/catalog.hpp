// The catalog: case.toml files parsed and validated into CaseSpecs.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/record.hpp"

namespace parex {

// A catalog error, located in its file (line/column 0 when the file as a whole is meant).
struct Diagnostic {
  std::filesystem::path file;
  int line = 0;
  int column = 0;
  std::string message;
};

// "case.toml:7:1: unknown key 'repetitons' (did you mean 'repetitions'?)"
std::string format_diagnostic(const Diagnostic& diagnostic);

// [build] and [variants.NAME.build]: what a compiled variant needs that CMake cannot see in its sources
// (cmake/ParexCatalog.cmake reads them; docs/authoring-cases.md, "Build needs").
struct BuildSettings {
  std::vector<std::string> compile_options;
  std::vector<std::string> link_libraries;  // CMake targets (NAME::x) or pkg-config names
};

struct VariantSpec {
  std::string name;
  bool compiled = false;             // built from <name>.cpp or <name>/ by CMake
  BuildSettings build;               // [variants.NAME.build], added to the case's [build]
  std::vector<std::string> command;  // a script variant, run in the case folder
  std::vector<std::string> args;
  std::optional<Expect> expect;  // set = graded
  int ranks = 0;                 // [variants.NAME] ranks = N: an MPI program, run under mpirun -np N; 0: not one
};

enum class CheckKind {
  speedup,
  benchmark_speedup,
  same_lines,
  in_order,
  interleaved,
  filecheck,
  isolation,
  exit,
  processes,
  scaling,
  races  // extension of DESIGN's names: the graded variant's ThreadSanitizer build, run once, untimed
};

// Who sees a check, with Gradescope's meaning: hidden checks count toward the score, but learner-facing
// output shows only their points; after_due_date ones are shown once the due date has passed.
enum class Visibility { visible, hidden, after_due_date };

struct CheckSpec {
  CheckKind kind = CheckKind::exit;
  int line = 0;           // where [[checks]] starts in case.toml
  std::string name;       // display name; derived when not given
  std::string baseline;   // speedup, same_lines, in_order: a variant; benchmark_speedup: a benchmark
  std::string candidate;  // benchmark_speedup
  // benchmark_speedup: extension, the variant whose program runs the baseline benchmark (an instructor's
  // binary a submission cannot slow down); empty: the graded program runs both benchmarks
  std::string baseline_variant;
  std::optional<double> at_least;
  // speedup: extension, the most a right program measures; default, for CPU-bound work only, 1.5 x min(workers, cores)
  std::optional<double> at_most;
  // speedup: extension, for CPU-bound work: the graded runs' CPU time must be at least this share of the
  // baseline's (work conservation: the work is done, not skipped); default 0.8, 0 turns it off
  std::optional<double> min_work;
  int min_peak = 0;                           // processes: extension, the fewest processes alive at once in each run
  std::optional<double> max_serial_fraction;  // scaling: extension, the most Amdahl's fitted serial fraction may be
  std::optional<double> efficiency;
  std::optional<int> workers;
  std::optional<int> max_repetitions;  // speedup: extension, more pairs while undecided
  std::string pattern;                 // in_order
  std::vector<std::string> patterns;   // interleaved
  // processes: extension, tasks each recorded by task_start/task_end probes (an instructor's shared header), each
  // required to run in a process of its own, not the main one, all at the same time (min_overlap of the shortest)
  std::vector<std::string> tasks;
  double min_overlap = 0.5;
  std::string ignore;             // same_lines/in_order: extension, regex of lines to leave out
  std::string text;               // filecheck
  int text_line_offset = 0;       // filecheck: case.toml line of the text's line 1, minus 1
  std::string stream = "stdout";  // filecheck
  std::optional<int> rank;        // in_order, filecheck: only this MPI rank's lines (extension)
  std::string probe;              // isolation
  std::optional<int> code;        // exit
  std::optional<int> signal;      // exit
  double points = 1;              // what passing it is worth
  // speedup, benchmark_speedup: (value, fraction of the points) from the highest value down; the value is
  // in the check's own unit (speedup for at_least, efficiency for efficiency), compared with the median
  std::vector<std::pair<double, double>> bands;
  Visibility visibility = Visibility::visible;
  std::string hint;  // extension: the case author's Markdown, shown under the check's failure (never empty when set)
};

// What a learner edits and may hand in ([submission] in case.toml; every field has a default).
struct SubmissionSpec {
  std::string variant;                       // default: starter, when the case has one
  std::vector<std::string> files;            // globs, relative to the case folder; default: that variant's sources
  std::vector<std::string> hidden_variants;  // never shipped; default: all but `variant` and the baselines checks name
  bool declared = false;                     // the case.toml has a [submission] table
  double build_timeout_s = 60;               // a learner's build of the case (configure, compile) is stopped past it
};

struct CaseSpec {
  std::string name;  // the folder's name: the one key for target, test, results
  std::filesystem::path dir;
  std::string title;
  std::string about;
  std::vector<std::string> tags;
  double timeout_s = 60;
  double time_scale = 1.0;
  int repetitions = 3;
  int warmup = 0;
  Capture capture = Capture::pipe;
  bool sandbox = true;       // extension: false runs this case's programs unsandboxed (docs/process-control.md)
  bool random_seed = false;  // [inputs] seed = "random": a seed drawn per baseline/graded pair (PAREX_SEED, {seed})
  BuildSettings build;       // [build], for every compiled variant
  Limits limits;
  std::map<std::string, VariantSpec> variants;
  std::vector<CheckSpec> checks;
  std::optional<SubmissionSpec> submission;  // none when the case has no starter and declares no [submission]

  // Graded variants in name order.
  std::vector<std::string> graded() const;
  // The variants whose runs the checks compare against (speedup, same_lines, in_order).
  std::vector<std::string> baselines() const;
  bool has_timing_check() const;
  // Whether any of its checks is of this kind.
  bool has_check(CheckKind kind) const;
  // The most MPI ranks a graded variant asks for ([variants.NAME] ranks); 0 when none is an MPI program.
  int most_ranks() const;
};

struct LoadResult {
  std::optional<CaseSpec> spec;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic>
      warnings;  // do not stop the case: "case.toml:9:18: warning: LLVM FileCheck reads \d as 'd'; ..."
};

// Loads <dir>/case.toml and the variants found in <dir>; collects every error rather than stopping at the first.
LoadResult load_case(const std::filesystem::path& dir);

// load_case, for commands that need a valid case: throws std::invalid_argument listing every error.
CaseSpec load_case_or_throw(const std::filesystem::path& dir);

// Case folders directly below a catalog folder (those holding a case.toml), sorted by name.
std::vector<std::filesystem::path> find_cases(const std::filesystem::path& catalog);

std::string_view to_string(CheckKind kind);
std::string_view to_string(Visibility visibility);

// The closest of `candidates` to `word` when it is a plausible typo, else empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace parex
