// `parex autograder gradescope`: a Gradescope autograder package that grades submissions with `parex grade`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace parex {

struct AutograderOptions {
  std::vector<std::filesystem::path> catalogs;  // the instructor's, references and all
  std::filesystem::path out;                    // the .zip to write
  std::filesystem::path parex_source;           // parex's source release, built by setup.sh
  double budget_s = 540;                        // parex grade --budget: under Gradescope's default 10 min limit
};

struct AutograderReport {
  std::vector<std::string> cases;  // graded by the package
  std::string catalog_hash;
};

// Writes options.out: setup.sh (installs packages, builds parex), run_autograder (grades /autograder/submission
// into /autograder/results/results.json), parex/ and catalogs/; throws with a message on a catalog error.
AutograderReport write_gradescope_autograder(const AutograderOptions& options);

}  // namespace parex
