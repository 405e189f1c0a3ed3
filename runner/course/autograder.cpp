#include "course/autograder.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "build/build.hpp"
#include "catalog/case_files.hpp"
#include "catalog/catalog.hpp"
#include "course/edition.hpp"
#include "report/results.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// Gradescope runs setup.sh once, as root, in /autograder/source, when it builds the autograder's image.
constexpr const char* kSetup = R"(#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it installs what parex
# needs and builds parex from parex/. PAREX_AUTOGRADER_ROOT stands in for /autograder (tests use it).
set -euo pipefail
root=${{PAREX_AUTOGRADER_ROOT:-/autograder}}
here=$root/source
packages=({packages})
missing=()
for package in "${{packages[@]}}"; do
  dpkg-query -W -f='${{Status}}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${{#missing[@]}} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${{missing[@]}}"
fi
cmake -S "$here/parex" -B "$here/parex-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPAREX_BUILD_TESTS=OFF -DPAREX_BUILD_DEFAULT_CATALOG=OFF -DPAREX_PYTHON=/usr/bin/python3 \
  -DCMAKE_INSTALL_PREFIX="$here/parex-install"
cmake --build "$here/parex-build"
cmake --install "$here/parex-build" >/dev/null
"$here/parex-install/bin/parex" check "$here"/catalogs/*
)";

// Gradescope copies run_autograder to /autograder/run_autograder and runs it for each submission.
constexpr const char* kRunAutograder = R"(#!/usr/bin/env bash
# Gradescope runs this for each submission: /autograder/submission holds what the learner handed in
# (a clone of the learner edition, its cases/ folder, or <case>/<file>), and the grade goes to
# /autograder/results/results.json. PAREX_AUTOGRADER_ROOT stands in for /autograder (tests use it).
set -uo pipefail
root=${{PAREX_AUTOGRADER_ROOT:-/autograder}}
here=$root/source
mkdir -p "$root/results"
rm -rf "$root/results/parex"
"$here/parex-install/bin/parex" grade "$here"/catalogs/* --submission "$root/submission" \
  --results "$root/results/parex" --budget {budget} --gradescope "$root/results/results.json"
status=$?
# parex grade exits 1 when a case could not be graded even after regrading (it says which, and
# results.json says so too); 2 or more is a fault of the grader, which Gradescope should show.
[ $status -le 1 ] || exit $status
exit 0
)";

void write_executable(const fs::path& path, const std::string& text) {
  write_file(path, text);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
}

}  // namespace

AutograderReport write_gradescope_autograder(const AutograderOptions& options) {
  AutograderReport report;
  std::string pattern = (fs::temp_directory_path() / "parex-autograder-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::system_error(errno, std::generic_category(), "cannot make a folder");
  const fs::path stage = pattern;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{stage};

  std::vector<std::string> names;
  std::vector<CaseSpec> every;  // what setup.sh installs follows from their sources
  for (const auto& catalog : options.catalogs) {
    if (!fs::is_directory(catalog))
      throw std::invalid_argument(fmt::format("{} is not a catalog folder", catalog.string()));
    fs::path folder = fs::absolute(catalog).lexically_normal();
    if (folder.filename().empty()) folder = folder.parent_path();  // "cases/"
    const std::string name = folder.filename().string();
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw std::invalid_argument(fmt::format("two catalogs are named {}: rename one", name));
    names.push_back(name);
    for (const auto& dir : find_cases(catalog)) {
      const CaseSpec spec = load_case_or_throw(dir);
      // Every case, graded or not: the catalog's hash must be the learner edition's.
      for (const auto& file : files_below(dir)) {
        fs::create_directories((stage / "catalogs" / name / dir.filename() / file).parent_path());
        fs::copy_file(dir / file, stage / "catalogs" / name / dir.filename() / file);
      }
      if (spec.submission) report.cases.push_back(spec.name);
      every.push_back(spec);
    }
  }
  if (report.cases.empty()) throw std::invalid_argument("no case of these catalogs has a submission: nothing to grade");
  report.catalog_hash = catalog_hash(options.catalogs);
  copy_source_release(options.parex_source, stage / "parex");
  write_executable(stage / "setup.sh", fmt::format(kSetup, fmt::arg("packages", debian_packages(every))));
  write_executable(stage / "run_autograder", fmt::format(kRunAutograder, fmt::arg("budget", options.budget_s)));
  write_file(stage / "parex-autograder.json", dump_json({{"schema", "parex-autograder/1"},
                                                         {"platform", "gradescope"},
                                                         {"catalog_hash", report.catalog_hash},
                                                         {"parex_version", PAREX_VERSION},
                                                         {"cases", report.cases}},
                                                        1) +
                                                  "\n");

  // Gradescope wants setup.sh and run_autograder at the top of the zip; cmake's tar writes zip and keeps modes.
  const fs::path out = fs::absolute(options.out);
  fs::create_directories(out.parent_path());
  const fs::path temp = out.parent_path() / fmt::format(".{}.tmp.{}", out.filename().string(), ::getpid());
  BuildOutcome zipped =
      run_build_command({"cmake", "-E", "chdir", stage.string(), "cmake", "-E", "tar", "cf", temp.string(),
                         "--format=zip", "setup.sh", "run_autograder", "parex-autograder.json", "parex", "catalogs"});
  if (!zipped.ok) {
    fs::remove(temp);
    throw std::runtime_error(fmt::format("cannot write {}: {}", out.string(), zipped.log));
  }
  fs::rename(temp, out);
  return report;
}

}  // namespace parex
