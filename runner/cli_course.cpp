// The course's subcommands of the command line: grade, grade-class, export, autograder (cli_course.hpp).
#include "cli_course.hpp"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/install_paths.hpp"
#include "course/edition.hpp"
#include "spawn/sandbox.hpp"

namespace fs = std::filesystem;

namespace parex::cli {

std::string sandbox_refusal(bool required, bool disabled) {
  if (disabled || sandbox_support().available || !required) return {};
  return fmt::format("--require-sandbox, but runs cannot be sandboxed here: {}", sandbox_support().why_not);
}

CLI::App* add_grade_class(CLI::App& app, ClassArgs& args) {
  auto* class_cmd =
      app.add_subcommand("grade-class", "Grade a class: CATALOG... SUBMISSIONS_DIR, one folder per learner");
  class_cmd->add_option("paths", args.paths, "The instructor's catalog folders, then the folder of submissions")
      ->required()
      ->expected(2, -1);
  class_cmd->add_option("--out", args.options.out, "grades.csv, class.html and each learner's results and page")
      ->required();
  class_cmd
      ->add_option("--on", args.options.on,
                   "Where the learners are graded: local (this machine), or slurm (a job "
                   "array, a task per learner on an exclusive node)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "slurm"}));
  class_cmd->add_option("--partition", args.options.slurm.partition, "slurm: the partition (one hardware class)");
  class_cmd->add_option("--constraint", args.options.slurm.constraint, "slurm: a node feature the nodes must have");
  class_cmd->add_option("--account", args.options.slurm.account, "slurm: the account to bill");
  class_cmd
      ->add_option("--cpus", args.options.slurm.cpus,
                   "slurm: bind each task's grade to this many cores (default: "
                   "the whole node)")
      ->check(CLI::PositiveNumber);
  class_cmd->add_option(
      "--time-limit", args.options.slurm.time_limit,
      "slurm: each task's time limit (Slurm's format; default: from the cases' timeouts and repetitions)");
  class_cmd->add_option("--poll", args.options.slurm.poll_s, "slurm: seconds between squeue polls")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  // What each array task runs (written into the job's script): grade the learner on line $SLURM_ARRAY_TASK_ID.
  class_cmd->add_option("--slurm-task", args.options.task_list, "")->group("");
  class_cmd->add_flag("--regrade", args.options.regrade, "Grade again even the submissions that did not change");
  class_cmd->add_flag("--no-sandbox", args.no_sandbox, "Run the programs unsandboxed");
  class_cmd->add_flag("--require-sandbox", args.require_sandbox, "Refuse to grade where runs cannot be sandboxed");
  class_cmd->add_option("--case", args.options.cases, "Grade only this case (repeatable)");
  class_cmd->add_option("-j,--jobs", args.options.jobs, "Builds at once (default: the CPUs)");
  class_cmd->add_option("--python", args.options.python, "Interpreter for commands that start with python3 or python");
  class_cmd->add_option("--pass-env", args.options.pass_env,
                        "Pass this variable of the grader's environment to the runs (repeatable); they get only PATH, "
                        "HOME, LANG, TERM and PAREX_* otherwise");
  class_cmd->add_flag("!--no-pages", args.options.pages, "Skip the feedback pages and the class page");
  return class_cmd;
}

int command_grade_class(const ClassArgs& args) {
  ClassOptions class_options = args.options;
  // On Slurm the runs happen on the nodes, and each task decides there (--require-sandbox is passed on).
  if (class_options.on != "slurm")
    if (auto refusal = sandbox_refusal(args.require_sandbox, args.no_sandbox); !refusal.empty())
      throw std::invalid_argument(refusal);
  class_options.sandbox = !args.no_sandbox;
  class_options.require_sandbox = args.require_sandbox;
  class_options.submissions = args.paths.back();
  class_options.catalogs.assign(args.paths.begin(), args.paths.end() - 1);
  ClassReport report = grade_class(class_options);
  const int never_graded = report.flagged - report.refused;
  std::string flagged = never_graded ? fmt::format(", {} FLAGGED (a case never graded)", never_graded) : "";
  if (report.refused) flagged += fmt::format(", {} folder(s) REFUSED (see above)", report.refused);
  const std::string took =
      report.slurm_job.empty()
          ? fmt::format("builds {:.1f} s, timed runs {:.1f} s (the graded submissions' runs alone: {:.1f} s)",
                        report.build_s, report.run_s, report.run_sum_s)
          : fmt::format("Slurm job {} took {:.1f} s (the graded submissions' timed runs alone: {:.1f} s)",
                        report.slurm_job, report.run_s, report.run_sum_s);
  fmt::print("parex grade-class: {} learner(s): {} graded, {} unchanged since their last grade{}; {} -> {}\n",
             report.learners, report.graded, report.cached, flagged, took, (class_options.out / "grades.csv").string());
  return report.flagged ? kMissedExpect : kOk;
}

CLI::App* add_export(CLI::App& app, ExportArgs& args) {
  auto* export_cmd = app.add_subcommand("export", "Write the learner edition of catalogs: what learners receive");
  export_cmd->add_option("catalogs", args.catalogs, "Catalog folders")->required();
  export_cmd->add_flag("--learner", args.learner, "The learner edition (the one edition there is)")->required();
  export_cmd->add_option("--out", args.out, "A new folder for the edition")->required();
  export_cmd->add_flag("--without-parex-source", args.without_source,
                       "Do not carry parex's source release (learners then need parex installed)");
  return export_cmd;
}

int command_export(const ExportArgs& args) {
  std::vector<fs::path> catalogs(args.catalogs.begin(), args.catalogs.end());
  EditionOptions options{.out = args.out, .parex_source = args.without_source ? fs::path() : parex_source_release()};
  EditionReport report = export_learner_edition(catalogs, options);
  fmt::print("parex export: learner edition of {} case(s) in {} (catalog {})\n", report.cases.size(), args.out,
             report.catalog_hash.substr(0, 16));
  for (const auto& why : report.left_out) fmt::print("  left out {}\n", why);
  return kOk;
}

// Adds autograder and its one platform, gradescope, whose command it returns.
CLI::App* add_autograder(CLI::App& app, AutograderArgs& args) {
  auto* autograder_cmd = app.add_subcommand("autograder", "Package catalogs as an autograder platform's grader");
  autograder_cmd->require_subcommand(1);
  auto* gradescope_cmd = autograder_cmd->add_subcommand(
      "gradescope", "Gradescope's autograder.zip: setup.sh builds parex, run_autograder runs parex grade");
  gradescope_cmd->add_option("catalogs", args.catalogs, "The instructor's catalog folders")->required();
  gradescope_cmd->add_option("--out", args.out, "The .zip to write")->required();
  gradescope_cmd->add_option("--budget", args.options.budget_s, "parex grade --budget: seconds per submission")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return gradescope_cmd;
}

int command_gradescope(const AutograderArgs& args) {
  AutograderOptions autograder_options = args.options;
  autograder_options.catalogs.assign(args.catalogs.begin(), args.catalogs.end());
  autograder_options.out = args.out;
  autograder_options.parex_source = parex_source_release();
  AutograderReport report = write_gradescope_autograder(autograder_options);
  fmt::print("parex autograder: {} grades {} case(s) ({}) of catalog {}; upload it as the assignment's autograder\n",
             args.out, report.cases.size(), fmt::join(report.cases, ", "), report.catalog_hash.substr(0, 16));
  return kOk;
}

CLI::App* add_grade(CLI::App& app, GradeArgs& args) {
  auto* grade_cmd = app.add_subcommand("grade", "Grade a learner's submission against the instructor's catalogs");
  grade_cmd->add_option("catalogs", args.catalogs, "The instructor's catalog folders")->required();
  grade_cmd
      ->add_option("--submission", args.submission_dir,
                   "The submission: <dir>/<case>/<file>, or a clone of the learner edition (<dir>/cases/<case>/<file>)")
      ->required();
  grade_cmd->add_option("--results", args.results, "Write <results>/<case>/<variant>.json and submission.json")
      ->required();
  grade_cmd->add_option("--case", args.options.cases, "Grade only this case (repeatable)");
  grade_cmd->add_option("--budget", args.options.budget_s,
                        "Wall-clock budget in seconds; cases past it are error, not scored");
  grade_cmd->add_option("--python", args.options.python, "Interpreter for commands that start with python3 or python");
  grade_cmd->add_option("--pass-env", args.options.pass_env,
                        "Pass this variable of the grader's environment to the runs (repeatable); they get only PATH, "
                        "HOME, LANG, TERM and PAREX_* otherwise");
  grade_cmd->add_flag("--keep-work", args.options.keep_work, "Keep the private workspace (its path is in the audit)");
  grade_cmd->add_flag("--no-sandbox", args.no_sandbox, "Run the programs unsandboxed");
  grade_cmd->add_flag("--require-sandbox", args.require_sandbox, "Refuse to grade where runs cannot be sandboxed");
  for (const char* platform : {"gradescope", "prairielearn", "exercism", "classroom"})
    grade_cmd->add_option_function<std::string>(
        fmt::format("--{}", platform),
        [&args, platform](const std::string& file) { args.options.platform_results[platform] = file; },
        fmt::format("Also write {}'s results.json here", platform));
  return grade_cmd;
}

int command_grade(const GradeArgs& args) {
  SubmissionOptions grade_options = args.options;
  if (auto refusal = sandbox_refusal(args.require_sandbox, args.no_sandbox); !refusal.empty())
    throw std::invalid_argument(refusal);
  grade_options.sandbox = !args.no_sandbox;
  grade_options.catalogs.assign(args.catalogs.begin(), args.catalogs.end());
  grade_options.submission = args.submission_dir;
  grade_options.results = args.results;
  SubmissionReport report = grade_submission(grade_options);
  std::vector<std::string> parts;
  for (const auto& c : report.cases)
    parts.push_back(
        fmt::format("{} {}", c.case_name,
                    c.score ? fmt::format("{:g}/{:g}", *c.score, c.max_score) : std::string(to_string(c.status))));
  fmt::print("parex grade: {:g}/{:g} points ({}){}\n", report.score, report.max_score, fmt::join(parts, ", "),
             report.flagged ? "; FLAGGED: a case could not be graded, even after regrading" : "");
  if (!report.platform_error.empty()) {
    fmt::print(stderr, "parex grade: {}\n", report.platform_error);
    return kUsage;
  }
  return report.flagged ? kMissedExpect : kOk;
}

}  // namespace parex::cli
