#include "submission.hpp"

#include <fnmatch.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "build.hpp"
#include "console.hpp"
#include "edition.hpp"
#include "results.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Where parex's CMake package is, for the workspace's find_package(parex): next to an installed runner, or
// this build tree.
fs::path parex_package_dir() {
  std::error_code ec;
  const fs::path prefix = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
  for (const char* lib : {"lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"})
    if (fs::is_regular_file(prefix / lib / "cmake/parex/parexConfig.cmake", ec)) return prefix / lib / "cmake/parex";
  return PAREX_BINARY_DIR;
}

// The instructor's files the build must not see: every case folder of the catalogs (graded now or not,
// with a submission or not: each holds references), and this build tree's executables and results. The
// support library, beside the cases, stays visible.
std::vector<fs::path> instructor_paths(const std::vector<fs::path>& catalogs) {
  std::vector<fs::path> out;
  for (const auto& catalog : catalogs)
    for (const auto& dir : find_cases(catalog)) out.push_back(fs::absolute(dir));
  std::error_code ec;
  for (const char* built : {"parex-bin", "parex-results", "tests/fixture-bin"})
    if (fs::is_directory(fs::path(PAREX_BINARY_DIR) / built, ec)) out.push_back(fs::path(PAREX_BINARY_DIR) / built);
  return out;
}

const char* const kWorkspaceCMake = R"(# A submission's workspace, written by parex grade.
cmake_minimum_required(VERSION 3.20)
project(parex_submission LANGUAGES CXX)
find_package(parex CONFIG REQUIRED)
enable_testing()
parex_add_catalog(catalog)
)";

}  // namespace

bool allowed_by(const std::vector<std::string>& globs, const std::string& path) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return ::fnmatch(glob.c_str(), path.c_str(), FNM_PATHNAME) == 0; });
}

SubmissionReport grade_submission(const SubmissionOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  SubmissionReport report;

  std::vector<CaseSpec> specs;
  for (const auto& catalog : options.catalogs)
    for (const auto& dir : find_cases(catalog)) {
      LoadResult loaded = load_case(dir);
      if (!loaded.spec) {
        std::string errors;
        for (const auto& error : loaded.errors) errors += format_diagnostic(error) + "\n";
        throw std::invalid_argument(fmt::format("{}fix the catalog first (parex check {})", errors, dir.string()));
      }
      if (!loaded.spec->submission) continue;
      if (!options.cases.empty() &&
          std::find(options.cases.begin(), options.cases.end(), loaded.spec->name) == options.cases.end())
        continue;
      specs.push_back(std::move(*loaded.spec));
    }
  if (specs.empty()) throw std::invalid_argument("no case to grade: the catalogs have no case with a submission");

  // A private workspace: the learner's view of each case (no hidden source) with every check, and the
  // submission's allowed files laid over it. The instructor's files win everything else.
  std::string pattern = (fs::temp_directory_path() / "parex-grade-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::system_error(errno, std::generic_category(), "cannot make a workspace");
  const fs::path work = pattern;
  std::map<std::string, SubmissionCase> cases;
  for (const auto& spec : specs) {
    SubmissionCase& c = cases[spec.name];
    c.case_name = spec.name;
    c.variant = spec.submission->variant;
    const fs::path dest = work / "catalog" / spec.name;
    for (const auto& file : learner_files(spec)) {
      fs::create_directories((dest / file).parent_path());
      fs::copy_file(spec.dir / file, dest / file);
    }
    std::ofstream(dest / "case.toml") << learner_case_toml(spec, read_file(spec.dir / "case.toml"), true);
    const fs::path from = options.submission / spec.name;
    std::error_code ec;
    if (!fs::is_directory(from, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(from, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const std::string relative = fs::relative(it->path(), from).generic_string();
      // Only regular files: a link could name the reference or anything else on the machine.
      if (it->is_symlink()) {
        c.ignored.push_back(relative + " (a link)");
        continue;
      }
      if (!it->is_regular_file()) continue;
      if (!allowed_by(spec.submission->files, relative)) {
        // The edition's own files come back in a learner's clone: only a change to one is worth a word.
        if (!fs::is_regular_file(dest / relative) || read_file(dest / relative) != read_file(it->path()))
          c.ignored.push_back(relative);
        continue;
      }
      fs::create_directories((dest / relative).parent_path());
      fs::copy_file(it->path(), dest / relative, fs::copy_options::overwrite_existing);
      c.taken.push_back(relative);
    }
  }
  std::ofstream(work / "CMakeLists.txt") << kWorkspaceCMake;

  // The same compiler, flags and generator as the CMake build of this parex, recorded when it was configured.
  const std::vector<fs::path> hide = instructor_paths(options.catalogs);
  std::vector<std::string> configure = {"cmake", "-S", work.string(), "-B", (work / "build").string(),
                                        "-G", PAREX_CMAKE_GENERATOR, "-Dparex_DIR=" + parex_package_dir().string(),
                                        std::string("-DCMAKE_CXX_COMPILER=") + PAREX_CXX_COMPILER,
                                        std::string("-DCMAKE_BUILD_TYPE=") + PAREX_BUILD_TYPE,
                                        std::string("-DCMAKE_CXX_FLAGS=") + PAREX_CXX_FLAGS};
  BuildOutcome configured = run_build_command(configure, hide);
  const std::string catalog = catalog_hash(options.catalogs);
  report.audit = {{"catalog_hash", catalog},
                  {"parex_version", PAREX_VERSION},
                  {"compiler", PAREX_CXX_COMPILER},
                  {"compiler_flags", PAREX_CXX_FLAGS},
                  {"build_type", PAREX_BUILD_TYPE},
                  {"sandbox", {{"build", configured.sandbox.empty() ? "none" : configured.sandbox},
                               {"runs", "none: runs are not sandboxed yet"}}},
                  {"workspace", options.keep_work ? work.string() : ""}};
  if (auto edition = options.submission / "parex-edition.json"; fs::is_regular_file(edition)) {
    try {
      const auto made = nlohmann::json::parse(read_file(edition)).value("catalog_hash", "");
      report.audit["submission_edition_hash"] = made;
      report.audit["edition_differs"] = made != catalog;
      if (made != catalog)
        fmt::print("parex grade: warning: the submission was made against another edition of the catalog ({} here, {} "
                   "there): the cases may have changed since\n",
                   catalog.substr(0, 16), made.substr(0, 16));
    } catch (const nlohmann::json::exception&) {
      report.audit["submission_edition_hash"] = "unreadable";
    }
  }

  const ConsoleStyle style = console_style_for(stdout);
  for (const auto& spec : specs) {
    SubmissionCase& c = cases[spec.name];
    auto finish = [&](VariantResult result) {
      result.expect = Expect::pass;  // a submission is graded to pass
      print_result(stdout, result, style);
      if (!c.ignored.empty()) fmt::print("  ignored (not among {}): {}\n", fmt::join(spec.submission->files, ", "), fmt::join(c.ignored, ", "));
      c.status = result.status;
      c.score = result.score;
      c.max_score = result.max_score;
      if (!options.results.empty()) write_result(result, options.results);
    };
    if (c.taken.empty()) {
      finish(unrun_result(spec, c.variant, Status::missing,
                          fmt::format("the submission holds no {} in {}/", fmt::join(spec.submission->files, " or "), spec.name)));
      continue;
    }
    if (options.budget_s > 0 && elapsed() > options.budget_s) {
      finish(unrun_result(spec, c.variant, Status::error,
                          fmt::format("the grading budget of {:.0f} s ran out before this case", options.budget_s)));
      continue;
    }
    if (!configured.ok) {
      finish(unrun_result(spec, c.variant, Status::error, "the workspace could not be configured:\n" + configured.messages));
      continue;
    }
    LoadResult loaded = load_case(work / "catalog" / spec.name);
    if (!loaded.spec) {
      finish(unrun_result(spec, c.variant, Status::error,
                          "the workspace's case.toml is invalid: " + format_diagnostic(loaded.errors.front())));
      continue;
    }
    BuildOptions build{.cmake = "cmake", .build_dir = work / "build", .config = "", .hide = hide};
    BuildOutcome built = build_case(*loaded.spec, build);
    if (!built.ok) {
      // The learner's paths, not the workspace's: "square_cube/starter.cpp:3:1: error: ...".
      std::string messages = built.messages.empty() ? fmt::format("the build exited with {}", built.exit_code) : built.messages;
      const std::string workspace = (work / "catalog").string() + "/";
      for (auto at = messages.find(workspace); at != std::string::npos; at = messages.find(workspace, at))
        messages.erase(at, workspace.size());
      finish(unrun_result(*loaded.spec, c.variant, Status::build_error, std::move(messages)));
      continue;
    }
    GradeOptions grade;
    grade.bin_dir = work / "build" / "parex-bin" / spec.name;
    grade.python = options.python;
    VariantResult result = grade_variant(*loaded.spec, c.variant, grade);
    // An error is the machine's or the grader's, never the learner's: graded again, a bounded number of times.
    while (result.status == Status::error && c.tries <= options.regrades &&
           !(options.budget_s > 0 && elapsed() > options.budget_s)) {
      ++c.tries;
      result = grade_variant(*loaded.spec, c.variant, grade);
    }
    finish(std::move(result));
  }

  for (auto& [name, c] : cases) {
    report.max_score += c.max_score;
    report.score += c.score.value_or(0);
    report.flagged |= c.status == Status::error;
    report.cases.push_back(std::move(c));
  }
  report.audit["duration_s"] = elapsed();
  if (!options.keep_work) fs::remove_all(work);
  if (!options.results.empty()) write_file_atomically(options.results / "submission.json", dump_json(to_json(report), 1) + "\n");
  return report;
}

nlohmann::json to_json(const SubmissionReport& report) {
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& c : report.cases)
    cases.push_back({{"case", c.case_name},
                     {"variant", c.variant},
                     {"status", to_string(c.status)},
                     {"score", c.score ? nlohmann::json(*c.score) : nlohmann::json(nullptr)},
                     {"max_score", c.max_score},
                     {"files", c.taken},
                     {"ignored", c.ignored},
                     {"tries", c.tries}});
  return {{"schema", "parex-submission/1"}, {"score", report.score}, {"max_score", report.max_score},
          {"flagged", report.flagged},      {"cases", cases},        {"audit", report.audit}};
}

}  // namespace parex
