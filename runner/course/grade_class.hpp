// `parex grade-class`: a whole class. Planning (which learners, which cases) and merging (grades.csv, class.json, a
// feedback page per learner, a class page) are one code path; the back ends differ in how the learners' grades are
// started and awaited. `local`: every build first, in parallel, then the timed runs strictly one at a time.
// `slurm`: a job array, a task per learner on an exclusive node (slurm.hpp). Both resumable.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "course/slurm.hpp"

namespace parex {

struct ClassOptions {
  std::vector<std::filesystem::path> catalogs;
  std::filesystem::path submissions;  // one folder per learner, each a submission (the edition's layout)
  std::filesystem::path out;          // grades.csv, class.html, class.json, learners/<learner>/{results,report}
  std::vector<std::string> cases;     // only these cases (default: all with a submission)
  bool regrade = false;               // grade again even where nothing changed
  int jobs = 0;                       // builds at once (default: the CPUs)
  std::string python;                 // for Python cases, as GradeOptions::python
  std::vector<std::string> pass_env;  // as GradeOptions::pass_env
  bool pages = true;                  // render the feedback pages and the class page (needs Python with Jinja2)
  bool sandbox = true;                // sandbox the runs where the runner can
  bool require_sandbox = false;       // refuse to grade where runs cannot be sandboxed (checked where they run)
  std::string on = "local";           // the back end: local or slurm
  SlurmOptions slurm;
  // A Slurm array task (--slurm-task): grade the learner on line $SLURM_ARRAY_TASK_ID of this list, and only that.
  std::filesystem::path task_list;
};

struct ClassReport {
  int learners = 0, graded = 0, cached = 0, flagged = 0;
  int refused = 0;        // learner folders not graded: links, names with control characters
  double build_s = 0;     // the build phase, wall clock
  double run_s = 0;       // the timed phase, wall clock
  double run_sum_s = 0;   // the timed runs of the graded submissions, each on its own
  std::string slurm_job;  // --on slurm: the job array's id (run_s is then its wall clock)
};

// Grades every learner's submission; throws on a catalog error or a missing folder.
ClassReport grade_class(const ClassOptions& options);

// The Slurm time limit of a task that grades one learner on `specs`, in seconds: each case's graded variant and its
// baselines, every run at its timeout, pairs at their adaptive most, plus its build.
int class_task_seconds(const std::vector<CaseSpec>& specs);

}  // namespace parex
