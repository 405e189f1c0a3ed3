#include "course/edition.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "catalog/build_needs.hpp"
#include "catalog/case_files.hpp"
#include "match/regex.hpp"
#include "report/results.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// Every regular file below `dir`, relative to it, in path order; caches and compiled Python left out.
bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A case.toml cut into its tables: the lines before the first header, then one block per [header].
struct Block {
  std::string header;  // "[[checks]]", "[variants.starter]", "" for the top
  std::vector<std::string> lines;
};

std::vector<Block> toml_blocks(const std::string& text) {
  std::vector<Block> blocks(1);
  std::istringstream in(text);
  bool in_basic = false, in_literal = false;  // inside a """ or ''' string
  for (std::string line; std::getline(in, line);) {
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    if (!in_basic && !in_literal && trimmed.starts_with("[")) {
      std::string header(trimmed.substr(0, trimmed.find(']', trimmed.starts_with("[[") ? 2 : 1) + 1));
      if (trimmed.starts_with("[[")) header += "]";
      std::erase_if(header, [](char c) { return c == ' ' || c == '"' || c == '\t'; });
      blocks.push_back({header, {}});
    }
    blocks.back().lines.push_back(line);
    for (std::size_t at = 0; at < line.size(); ++at) {
      if (!in_literal && line.compare(at, 3, "\"\"\"") == 0)
        in_basic = !in_basic, at += 2;
      else if (!in_basic && line.compare(at, 3, "'''") == 0)
        in_literal = !in_literal, at += 2;
    }
  }
  return blocks;
}

const char* const kEditionCMake =
    R"(# The learner edition of a parex catalog: build it, then `ctest` grades your solutions.
cmake_minimum_required(VERSION 3.20)
project(parex_learner_edition LANGUAGES CXX)

# Optimised, as the grader builds it: speedups (and an OpenMP race's lost additions) are those of -O2 code.
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# parex, installed (find_package), or else built from the copy in parex/ that came with this edition.
find_package(parex CONFIG QUIET)
if(NOT parex_FOUND)
  add_subdirectory(parex)
  set(PAREX_REPORT_SCRIPT "${CMAKE_CURRENT_SOURCE_DIR}/parex/reports/render.py")
endif()
enable_testing()
parex_add_catalog(cases)
)";

std::string edition_readme(const EditionReport& report, const std::map<std::string, SubmissionSpec>& submissions,
                           const std::string& packages) {
  std::string files;
  for (const auto& [name, submission] : submissions)
    files += fmt::format("| `{}` | {} |\n", name, fmt::format("{}", fmt::join(submission.files, ", ")));
  return fmt::format(R"(# Exercises: learner edition

Each folder of `cases/` is one exercise: its `README.md` says what to do, and the file you edit
is its starter. `ctest` builds your code and grades it: which checks pass, which fail and why,
and your points. The solutions are not here; the checks that are, are the ones you are graded on
(hidden checks, if any, count only in the instructor's grading).

## The two commands

On Debian or Ubuntu (installing needs `sudo`, once):

```sh
sudo apt-get install -y {}
cmake -S . -B build -G Ninja && cmake --build build && ctest --test-dir build --output-on-failure
```

Without root, open this folder in its dev container (`.devcontainer/`, e.g. VS Code's "Reopen in
Container"); it installs the same packages. `ctest -R square_cube/` grades one exercise; the report
is `build/report/index.html`.

## What you hand in

| exercise | your files |
|---|---|
{}
Edition of catalog `{}`, made by parex {}.
)",
                     packages, files, report.catalog_hash.substr(0, 16), PAREX_VERSION);
}

}  // namespace

void copy_source_release(const fs::path& source, const fs::path& dest) {
  // What builds the runner and the support library, with no catalog of its own.
  for (const char* part : {"CMakeLists.txt", "cmake", "runner", "cases/support", "reports"}) {
    const fs::path from = source / part;
    if (fs::is_regular_file(from)) {
      fs::create_directories((dest / part).parent_path());
      fs::copy_file(from, dest / part, fs::copy_options::overwrite_existing);
      continue;
    }
    if (!fs::is_directory(from))
      throw std::runtime_error(fmt::format("parex's source release lacks {} (looked in {})", part, source.string()));
    for (const auto& file : files_below(from)) {
      fs::create_directories((dest / part / file).parent_path());
      fs::copy_file(from / file, dest / part / file, fs::copy_options::overwrite_existing);
    }
  }
}

std::string learner_case_toml(const CaseSpec& spec, const std::string& text, bool keep_hidden_checks) {
  const SubmissionSpec& submission = *spec.submission;
  auto blocks = toml_blocks(text);
  const auto check_blocks =
      std::count_if(blocks.begin(), blocks.end(), [](const Block& b) { return b.header == "[[checks]]"; });
  if (static_cast<std::size_t>(check_blocks) != spec.checks.size())
    throw std::runtime_error(
        fmt::format("{}/case.toml: write each check as a [[checks]] table for the learner edition", spec.dir.string()));
  std::string out = fmt::format("# Learner edition: {} is yours to solve, and is graded expect = \"pass\".\n",
                                fmt::join(submission.files, ", "));
  std::size_t check = 0;
  bool submission_variant_seen = false;
  const std::string submission_header = fmt::format("[variants.{}]", submission.variant);
  for (auto& block : blocks) {
    if (block.header == "[[checks]]" && spec.checks[check++].visibility != Visibility::visible && !keep_hidden_checks)
      continue;
    if (block.header == "[submission]") continue;
    if (block.header.starts_with("[variants.") &&
        contains(submission.hidden_variants, block.header.substr(10, block.header.size() - 11)))
      continue;
    if (block.header == submission_header) {
      submission_variant_seen = true;
      bool has_expect = false;
      static const regex::Pattern expect_key(R"(^\s*expect\s*=)");
      for (auto& line : block.lines)
        if (expect_key.search(line)) line = "expect = \"pass\"", has_expect = true;
      if (!has_expect) block.lines.insert(block.lines.begin() + 1, "expect = \"pass\"");
    }
    for (const auto& line : block.lines) out += line + "\n";
  }
  if (!submission_variant_seen) out += fmt::format("\n{}\nexpect = \"pass\"\n", submission_header);
  return out;
}

std::string debian_packages(const std::vector<CaseSpec>& specs) {
  std::string out = kDebianPackages;
  std::set<std::string> needs;
  for (const auto& spec : specs) needs.merge(build_needs(spec));
  for (const auto& package : debian_packages_for(needs))
    if (fmt::format(" {} ", out).find(fmt::format(" {} ", package)) == std::string::npos) out += " " + package;
  return out;
}

EditionReport export_learner_edition(const std::vector<fs::path>& catalogs, const EditionOptions& options) {
  std::error_code ec;
  if (fs::exists(options.out, ec) && !fs::is_empty(options.out, ec))
    throw std::invalid_argument(
        fmt::format("{} exists and is not empty: choose a new folder for the edition", options.out.string()));
  EditionReport report;
  std::vector<CaseSpec> specs;
  for (const auto& catalog : catalogs) {
    if (!fs::is_directory(catalog))
      throw std::invalid_argument(fmt::format("{} is not a catalog folder", catalog.string()));
    for (const auto& dir : find_cases(catalog)) {
      CaseSpec spec = load_case_or_throw(dir);
      if (!spec.submission) {
        report.left_out.push_back(
            fmt::format("{}: no starter and no [submission], so nothing for learners to edit", spec.name));
        continue;
      }
      specs.push_back(std::move(spec));
    }
  }
  report.catalog_hash = catalog_hash(catalogs);

  std::map<std::string, SubmissionSpec> submissions;
  nlohmann::json manifest = {{"schema", "parex-edition/1"},
                             {"edition", "learner"},
                             {"catalog_hash", report.catalog_hash},
                             {"parex_version", PAREX_VERSION}};
  for (const auto& spec : specs) {
    const fs::path dest = options.out / "cases" / spec.name;
    for (const auto& file : learner_files(spec)) {
      fs::create_directories((dest / file).parent_path());
      fs::copy_file(spec.dir / file, dest / file, fs::copy_options::overwrite_existing);
    }
    write_file(dest / "case.toml", learner_case_toml(spec, read_file(spec.dir / "case.toml")));
    submissions[spec.name] = *spec.submission;
    manifest["cases"][spec.name] = {{"variant", spec.submission->variant}, {"files", spec.submission->files}};
    report.cases.push_back(spec.name);
  }
  write_file(options.out / "parex-edition.json", dump_json(manifest, 1) + "\n");
  write_file(options.out / "CMakeLists.txt", kEditionCMake);
  const std::string packages = debian_packages(specs);
  write_file(options.out / "README.md", edition_readme(report, submissions, packages));
  write_file(options.out / ".gitignore", "/build*/\n__pycache__/\n");
  write_file(
      options.out / ".devcontainer/devcontainer.json",
      dump_json({{"name", "parex learner edition"},
                 {"image", "debian:12"},
                 {"postCreateCommand", fmt::format("apt-get update && apt-get install -y --no-install-recommends "
                                                   "{} git",
                                                   packages)}},
                1) +
          "\n");
  if (!options.parex_source.empty()) copy_source_release(options.parex_source, options.out / "parex");
  return report;
}

}  // namespace parex
