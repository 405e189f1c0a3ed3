// Grading a learner's submission: lay out a private workspace, build it, grade each case, score it.
// Sits above grading a variant, as a course author would draw it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grade/grade.hpp"

namespace parex {

struct SubmissionOptions {
  std::vector<std::filesystem::path> catalogs;  // the instructor's
  std::filesystem::path submission;             // <submission>/<case>/<file>: the learner edition's layout
  std::filesystem::path results;                // <results>/<case>/<variant>.json and submission.json
  std::vector<std::string> cases;               // only these cases (default: every case with a submission)
  double budget_s = 0;                          // wall-clock budget for the whole grade; 0: none
  int regrades = 2;                             // more tries for a case that could not be graded
  std::string python;                           // as GradeOptions::python
  std::vector<std::string> pass_env;            // as GradeOptions::pass_env
  bool keep_work = false;                       // leave the workspace for a look (its path is in the audit)
  bool quiet = false;                           // print nothing (a class is graded by grade-class)
  bool sandbox = true;                          // sandbox the runs where the runner can
  std::vector<std::filesystem::path> hide;      // more for runs never to see (grade-class: every learner's files)
  // Autograder platforms' results files to write once graded: gradescope, prairielearn, exercism, classroom.
  std::map<std::string, std::filesystem::path> platform_results;
};

struct SubmissionCase {
  std::string case_name, variant;
  Status status = Status::error;
  std::optional<double> score;
  double max_score = 0;
  std::vector<std::string> taken;    // files laid over the instructor's
  std::vector<std::string> ignored;  // files of the submission that no [submission] glob allows
  int tries = 1;
};

struct SubmissionReport {
  std::vector<SubmissionCase> cases;
  double score = 0, max_score = 0;
  bool flagged = false;        // some case could not be graded, even after its regrades
  nlohmann::json audit;        // what a regrade dispute needs: catalog hash, parex, compiler, sandbox
  double run_s = 0;            // time in timed runs
  std::string platform_error;  // why a platform's results file could not be written, if one could not
};

// A submission after its build phase: its workspace built, each case ready to run or already decided.
struct PreparedSubmission {
  struct Case {
    Status status = Status::pass;  // pass: built, to be graded; else missing, build_error or error, with why
    std::string why;
    std::optional<CaseSpec> spec;  // the workspace's copy of the case
  };
  std::filesystem::path work;
  std::map<std::string, SubmissionCase> cases;
  std::map<std::string, Case> prepared;
  nlohmann::json audit;
  std::string cache_key;  // sha256 of the files taken, the catalog, parex and its compiler
  bool skipped = false;
  double build_s = 0;
};

// The cases of the catalogs that have a submission (only `only`, when given); throws on a catalog error.
std::vector<CaseSpec> submission_cases(const std::vector<std::filesystem::path>& catalogs,
                                       const std::vector<std::string>& only);

// The build phase: lays out the workspace and builds each case (no timed run). When `skip` says yes to the
// cache key of the laid-out files, it stops there: the workspace is removed and `skipped` is set.
PreparedSubmission prepare_submission(const std::vector<CaseSpec>& specs, const SubmissionOptions& options,
                                      const std::function<bool(const std::string& cache_key)>& skip = {});

// The timed phase: grades each built case, writes the results and submission.json, removes the workspace.
SubmissionReport run_submission(PreparedSubmission& prepared, const std::vector<CaseSpec>& specs,
                                const SubmissionOptions& options);

// Grades a submission against the instructor's catalogs; every case gets a result, whatever happens to the
// others (missing, build_error, error), and the results are written as each case ends.
SubmissionReport grade_submission(const SubmissionOptions& options);

// Writes each platform's results file from a results folder (reports/exports.py); returns why not, or "".
std::string write_platform_results(const std::filesystem::path& results,
                                   const std::map<std::string, std::filesystem::path>& platform_results);

// The JSON of a report (submission.json).
nlohmann::json to_json(const SubmissionReport& report);

// Whether `path` (relative, '/'-separated) matches one of the globs (fnmatch, '*' not crossing '/').
bool allowed_by(const std::vector<std::string>& globs, const std::string& path);

}  // namespace parex
