// The course's subcommands of the command line (grade, grade-class, export, autograder), for run_cli (cli.cpp):
// per subcommand its arguments, add_X (its options) and command_X; and what every subcommand shares.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "course/autograder.hpp"
#include "course/grade_class.hpp"
#include "course/submission.hpp"

namespace parex::cli {

inline constexpr int kOk = 0, kMissedExpect = 1, kUsage = 2;

// --require-sandbox: a runner that cannot sandbox refuses to grade, saying why; "" when it may go on.
// Also sets the sandbox up, before any thread is started (a runner that is not root joins a user namespace of its
// own, which a process with threads may not).
std::string sandbox_refusal(bool required, bool disabled);

struct ClassArgs {
  ClassOptions options;
  std::vector<std::string> paths;  // the catalogs, then the folder of submissions
  bool no_sandbox = false, require_sandbox = false;
};

struct ExportArgs {
  std::vector<std::string> catalogs;
  std::string out;
  bool learner = false, without_source = false;
};

struct AutograderArgs {
  AutograderOptions options;
  std::vector<std::string> catalogs;
  std::string out;
};

struct GradeArgs {
  SubmissionOptions options;
  std::vector<std::string> catalogs;
  std::string submission_dir, results;
  bool no_sandbox = false, require_sandbox = false;
};

// grade-class: a class of submissions, on this machine or on Slurm.
CLI::App* add_grade_class(CLI::App& app, ClassArgs& args);
int command_grade_class(const ClassArgs& args);

// export --learner: the learner edition of catalogs.
CLI::App* add_export(CLI::App& app, ExportArgs& args);
int command_export(const ExportArgs& args);

// Adds autograder and its one platform, gradescope, whose command it returns.
CLI::App* add_autograder(CLI::App& app, AutograderArgs& args);
int command_gradescope(const AutograderArgs& args);

// grade: one learner's submission against the instructor's catalogs.
CLI::App* add_grade(CLI::App& app, GradeArgs& args);
int command_grade(const GradeArgs& args);

}  // namespace parex::cli
