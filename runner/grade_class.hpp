// `parex grade-class`: a whole class on one machine. Every build first, in parallel; then the timed runs,
// strictly one at a time; resumable; grades.csv, a feedback page per learner, a class page.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace parex {

struct ClassOptions {
  std::vector<std::filesystem::path> catalogs;
  std::filesystem::path submissions;  // one folder per learner, each a submission (the edition's layout)
  std::filesystem::path out;          // grades.csv, class.html, class.json, learners/<learner>/{results,report}
  std::vector<std::string> cases;     // only these cases (default: all with a submission)
  bool regrade = false;               // grade again even where nothing changed
  int jobs = 0;                       // builds at once (default: the CPUs)
  std::string python;                 // for Python cases, as GradeOptions::python
  bool pages = true;                  // render the feedback pages and the class page (needs Python with Jinja2)
  bool sandbox = true;                // sandbox the runs where the runner can
};

struct ClassReport {
  int learners = 0, graded = 0, cached = 0, flagged = 0;
  double build_s = 0;                 // the build phase, wall clock
  double run_s = 0;                   // the timed phase, wall clock
  double run_sum_s = 0;               // the timed runs of the graded submissions, each on its own
};

// Grades every learner's submission; throws on a catalog error or a missing folder.
ClassReport grade_class(const ClassOptions& options);

}  // namespace parex
