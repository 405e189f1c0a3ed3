#include "course/submission.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "base/digest.hpp"
#include "base/fd.hpp"
#include "base/files.hpp"
#include "base/install_paths.hpp"
#include "build/build.hpp"
#include "build/build_jail.hpp"
#include "catalog/case_files.hpp"
#include "course/edition.hpp"
#include "course/intake.hpp"
#include "course/slurm.hpp"
#include "report/console.hpp"
#include "report/results.hpp"
#include "spawn/sysinfo.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// Where a source asks whether ThreadSanitizer is on (or turns it off) for a races check: "12: tests
// __SANITIZE_THREAD__ ...", one per line. Such code can behave differently in the TSan build the check runs, so the
// check is evidence, not proof (docs/process-control.md, "What a races check proves"); the grader is told.
std::vector<std::string> sanitizer_tests(std::string_view content) {
  static constexpr std::string_view kTells[] = {"__SANITIZE_THREAD__", "thread_sanitizer", "__tsan_", "no_sanitize"};
  std::vector<std::string> found;
  int line = 1;
  for (std::size_t start = 0; start < content.size(); ++line) {
    std::size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    const std::string_view text = content.substr(start, end - start);
    for (std::string_view tell : kTells)
      if (text.find(tell) != std::string_view::npos) {
        found.push_back(
            fmt::format("{}: uses {}: code that can tell ThreadSanitizer's build from the graded one, "
                        "so its races verdict is evidence, not proof",
                        line, tell));
        break;
      }
    start = end + 1;
  }
  return found;
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

// Removes a workspace on every way out of a phase, a throw included, unless disarmed (kept for the next phase).
// What a build left there cannot stop it: errors are ignored, the rest is removed.
struct WorkspaceGuard {
  std::filesystem::path path;
  bool armed = true;
  ~WorkspaceGuard() {
    std::error_code ec;
    if (armed) fs::remove_all(path, ec);
  }
};

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

std::vector<CaseSpec> submission_cases(const std::vector<fs::path>& catalogs, const std::vector<std::string>& only) {
  std::vector<CaseSpec> specs;
  for (const auto& catalog : catalogs)
    for (const auto& dir : find_cases(catalog)) {
      CaseSpec spec = load_case_or_throw(dir);
      if (!spec.submission) continue;
      if (!only.empty() && std::find(only.begin(), only.end(), spec.name) == only.end()) continue;
      specs.push_back(std::move(spec));
    }
  if (specs.empty()) throw std::invalid_argument("no case to grade: the catalogs have no case with a submission");
  return specs;
}

PreparedSubmission prepare_submission(const std::vector<CaseSpec>& specs, const SubmissionOptions& options,
                                      const std::function<bool(const std::string& cache_key)>& skip) {
  const auto started = std::chrono::steady_clock::now();
  PreparedSubmission prepared;
  // A private workspace: the learner's view of each case (no hidden source) with every check, and the
  // submission's allowed files laid over it. The instructor's files win everything else.
  std::string pattern = (fs::temp_directory_path() / "parex-grade-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::system_error(errno, std::generic_category(), "cannot make a workspace");
  prepared.work = pattern;
  const fs::path& work = prepared.work;
  WorkspaceGuard guard{work};
  const std::string catalog = catalog_hash(options.catalogs);
  Sha256 key;  // what the grade depends on: the files taken, the catalog, parex and its compiler
  key.update(fmt::format("{}\n{}\n{}\n{}\n{}\n", catalog, PAREX_VERSION, PAREX_CXX_COMPILER, PAREX_CXX_FLAGS,
                         PAREX_BUILD_TYPE));
  Fd root(::open(options.submission.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const std::string root_error = root ? "" : std::strerror(errno);
  std::size_t taken_bytes = 0;
  std::vector<std::string> sanitizer_warnings;  // "race_counter/starter.cpp:3: ...": see sanitizer_tests  // against
                                                // IntakeLimits::max_total_bytes, across the cases
  for (const auto& spec : specs) {
    SubmissionCase& c = prepared.cases[spec.name];
    c.case_name = spec.name;
    c.variant = spec.submission->variant;
    const fs::path dest = work / "catalog" / spec.name;
    for (const auto& file : learner_files(spec)) {
      fs::create_directories((dest / file).parent_path());
      fs::copy_file(spec.dir / file, dest / file);
    }
    std::ofstream(dest / "case.toml") << learner_case_toml(spec, read_file(spec.dir / "case.toml"), true);
    // DIR/<case>/, or DIR/cases/<case>/ in a clone of the learner edition; taken beneath DIR, never through a link.
    if (!root) {
      prepared.prepared[spec.name] = {
          Status::missing, fmt::format("the submission folder cannot be read: {}", root_error), {}};
      continue;
    }
    CaseIntake intake = take_case_folder(root.get(), {spec.name, "cases/" + spec.name}, IntakeLimits{}, taken_bytes);
    if (!intake.refused.empty()) {
      prepared.prepared[spec.name] = {Status::missing, "refused: " + intake.refused, {}};
      continue;
    }
    c.ignored = std::move(intake.skipped);
    for (const auto& file : intake.files) {
      if (!allowed_by(spec.submission->files, file.relative)) {
        // The edition's own files come back in a learner's clone: only a change to one is worth a word.
        if (!fs::is_regular_file(dest / file.relative) || read_file(dest / file.relative) != file.content)
          c.ignored.push_back(file.relative);
        continue;
      }
      fs::create_directories((dest / file.relative).parent_path());
      write_file_atomically(dest / file.relative, file.content);
      c.taken.push_back(file.relative);
      if (spec.has_check(CheckKind::races))
        for (auto& warning : sanitizer_tests(file.content))
          sanitizer_warnings.push_back(fmt::format("{}/{}:{}", spec.name, file.relative, warning));
      key.update(fmt::format("{}/{}\n{}\n", spec.name, file.relative, file.content.size()));
      key.update(file.content);
    }
  }
  // A case may include another case's file (pool_bench: ../pool_map/work.hpp). The learner's view of the
  // cases not graded here is laid out too, without case.toml, so nothing of them is built or graded.
  for (const auto& catalog : options.catalogs)
    for (const auto& dir : find_cases(catalog)) {
      if (prepared.cases.contains(dir.filename().string())) continue;
      LoadResult other = load_case(dir);
      if (!other.spec || !other.spec->submission) continue;  // not in the learner edition either
      for (const auto& file : learner_files(*other.spec)) {
        fs::create_directories((work / "catalog" / other.spec->name / file).parent_path());
        fs::copy_file(dir / file, work / "catalog" / other.spec->name / file, fs::copy_options::overwrite_existing);
      }
    }
  prepared.cache_key = key.hex();
  if (skip && skip(prepared.cache_key)) {
    prepared.skipped = true;
    return prepared;  // the guard removes the workspace
  }
  std::ofstream(work / "CMakeLists.txt") << kWorkspaceCMake;

  // The build is jailed (build_jail.hpp): it sees the toolchain, parex's package and this workspace, and of each
  // case.toml the learner's view. It stops at the case's build_timeout, or sooner where the budget has less left.
  fs::create_directories(work / "build");
  BuildJail jail;
  jail.workspace = work;
  jail.sandbox = options.sandbox;
  double build_timeout_s = 0;
  for (const auto& spec : specs) {
    const fs::path view = work / "learner-view" / (spec.name + ".toml");
    fs::create_directories(view.parent_path());
    std::ofstream(view) << learner_case_toml(spec, read_file(spec.dir / "case.toml"));
    jail.also.push_back({work / "catalog" / spec.name / "case.toml", false, view});
    build_timeout_s = std::max(build_timeout_s, spec.submission->build_timeout_s);
  }
  auto budget_left = [&] {
    return options.budget_s > 0
               ? options.budget_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
               : std::numeric_limits<double>::infinity();
  };
  auto limit_to = [&](double case_timeout_s) {
    jail.timeout_s = std::min(case_timeout_s, budget_left());
    jail.timeout_reason = jail.timeout_s < case_timeout_s
                              ? fmt::format("what the grading budget of {:g} s had left", options.budget_s)
                              : "the case's [submission] build_timeout";
  };
  // The same compiler, flags and generator as the CMake build of this parex, recorded when it was configured.
  std::vector<std::string> configure = {"cmake",
                                        "-S",
                                        work.string(),
                                        "-B",
                                        (work / "build").string(),
                                        "-G",
                                        PAREX_CMAKE_GENERATOR,
                                        "-Dparex_DIR=" + parex_package_dir().string(),
                                        std::string("-DCMAKE_CXX_COMPILER=") + PAREX_CXX_COMPILER,
                                        std::string("-DCMAKE_BUILD_TYPE=") + PAREX_BUILD_TYPE,
                                        std::string("-DCMAKE_CXX_FLAGS=") + PAREX_CXX_FLAGS};
  limit_to(build_timeout_s);
  BuildOutcome configured = budget_left() > 0 ? run_jailed_build(configure, jail) : BuildOutcome{};
  if (budget_left() <= 0 && configured.messages.empty())
    configured.messages = fmt::format("the grading budget of {:g} s ran out before the build", options.budget_s);
  prepared.audit = {
      {"catalog_hash", catalog},
      {"parex_version", PAREX_VERSION},
      {"compiler", PAREX_CXX_COMPILER},
      {"compiler_flags", PAREX_CXX_FLAGS},
      {"build_type", PAREX_BUILD_TYPE},
      {"cache_key", prepared.cache_key},
      {"sandbox", {{"build", configured.sandbox.empty() ? "none" : configured.sandbox}, {"runs", "none: no case ran"}}},
      {"workspace", options.keep_work ? work.string() : ""}};
  if (!sanitizer_warnings.empty()) {
    prepared.audit["warnings"] = sanitizer_warnings;
    if (!options.quiet)
      for (const auto& warning : sanitizer_warnings) fmt::print("parex grade: warning: {}\n", warning);
  }
  std::string edition_why;
  if (auto edition = root ? read_beneath(root.get(), "parex-edition.json", 64 << 10, edition_why) : std::nullopt) {
    try {
      const auto made = nlohmann::json::parse(*edition).value("catalog_hash", "");
      prepared.audit["submission_edition_hash"] = made;
      prepared.audit["edition_differs"] = made != catalog;
      if (made != catalog && !options.quiet)
        fmt::print(
            "parex grade: warning: the submission was made against another edition of the catalog ({} here, {} "
            "there): the cases may have changed since\n",
            catalog.substr(0, 16), made.substr(0, 16));
    } catch (const nlohmann::json::exception&) {
      prepared.audit["submission_edition_hash"] = "unreadable";
    }
  } else if (edition_why != "No such file or directory" && !edition_why.empty()) {
    prepared.audit["submission_edition_hash"] = "unreadable: " + edition_why;
  }

  // Each case built on its own: a compile error is that case's alone.
  for (const auto& spec : specs) {
    SubmissionCase& c = prepared.cases[spec.name];
    PreparedSubmission::Case& p = prepared.prepared[spec.name];
    if (p.status != Status::pass) continue;  // refused at intake, with why
    if (c.taken.empty()) {
      p.status = Status::missing;
      p.why = fmt::format("the submission holds no {} in {}/", fmt::join(spec.submission->files, " or "), spec.name);
      continue;
    }
    if (!configured.ok) {
      p.status = Status::error;
      p.why = "the workspace could not be configured:\n" + configured.messages;
      continue;
    }
    LoadResult loaded = load_case(work / "catalog" / spec.name);
    if (!loaded.spec) {
      p.status = Status::error;
      p.why = "the workspace's case.toml is invalid: " + format_diagnostic(loaded.errors.front());
      continue;
    }
    BuildOptions build{.cmake = "cmake", .build_dir = work / "build", .config = "", .hide = {}};
    const auto command = build_command(*loaded.spec, build);
    limit_to(spec.submission->build_timeout_s);
    BuildOutcome built;
    if (command.empty())
      built.ok = true;
    else if (budget_left() <= 0)
      built.messages = fmt::format("the grading budget of {:g} s ran out before this case was built", options.budget_s);
    else
      built = run_jailed_build(command, jail);
    p.spec = std::move(*loaded.spec);
    if (!built.ok) {
      // The learner's paths, not the workspace's: "square_cube/starter.cpp:3:1: error: ...".
      std::string messages =
          built.messages.empty() ? fmt::format("the build exited with {}", built.exit_code) : built.messages;
      const std::string workspace = (work / "catalog").string() + "/";
      for (auto at = messages.find(workspace); at != std::string::npos; at = messages.find(workspace, at))
        messages.erase(at, workspace.size());
      p.status = Status::build_error;
      p.why = std::move(messages);
      continue;
    }
    p.status = Status::pass;  // built: to be graded
  }
  prepared.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  guard.armed = false;  // the timed phase's now
  return prepared;
}

SubmissionReport run_submission(PreparedSubmission& prepared, const std::vector<CaseSpec>& specs,
                                const SubmissionOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return prepared.build_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  SubmissionReport report;
  report.audit = prepared.audit;
  WorkspaceGuard guard{prepared.work, !options.keep_work};
  const ConsoleStyle style = console_style_for(stdout);
  // What the runs must not see: the instructor's cases and built references, the submission as handed in,
  // the results being written, and what the caller adds (grade-class: every learner's).
  std::vector<fs::path> run_hide = instructor_paths(options.catalogs);
  for (const auto& path : {options.submission, options.results})
    if (!path.empty()) run_hide.push_back(fs::absolute(path));
  // The workspace's case.toml holds the hidden checks, and the learner-view copies are the build's.
  for (const auto& spec : specs) run_hide.push_back(prepared.work / "catalog" / spec.name / "case.toml");
  run_hide.push_back(prepared.work / "learner-view");
  run_hide.insert(run_hide.end(), options.hide.begin(), options.hide.end());
  for (const auto& spec : specs) {
    SubmissionCase& c = prepared.cases[spec.name];
    PreparedSubmission::Case& p = prepared.prepared[spec.name];
    auto finish = [&](VariantResult result) {
      result.expect = Expect::pass;  // a submission is graded to pass
      if (!options.quiet) {
        print_result(stdout, result, style);
        if (!c.ignored.empty())
          fmt::print("  ignored (not among {}): {}\n", fmt::join(spec.submission->files, ", "),
                     fmt::join(c.ignored, ", "));
      }
      c.status = result.status;
      c.score = result.score;
      c.max_score = result.max_score;
      if (!options.results.empty()) write_result(result, options.results);
    };
    if (p.status != Status::pass) {
      finish(unrun_result(p.spec ? *p.spec : spec, c.variant, p.status, p.why));
      continue;
    }
    if (options.budget_s > 0 && elapsed() > options.budget_s) {
      finish(unrun_result(spec, c.variant, Status::error,
                          fmt::format("the grading budget of {:.0f} s ran out before this case", options.budget_s)));
      continue;
    }
    GradeOptions grade;
    grade.bin_dir = prepared.work / "build" / "parex-bin" / spec.name;
    grade.python = options.python;
    grade.pass_env = options.pass_env;
    grade.sandbox = options.sandbox;
    grade.hide = run_hide;
    const auto run_started = std::chrono::steady_clock::now();
    VariantResult result = grade_variant(*p.spec, c.variant, grade);
    report.audit["sandbox"]["runs"] = result.machine.sandbox;  // what the runs' sandbox applied, as the results say
    // An error is the machine's or the grader's, never the learner's: graded again, a bounded number of times.
    while (result.status == Status::error && c.tries <= options.regrades &&
           !(options.budget_s > 0 && elapsed() > options.budget_s)) {
      ++c.tries;
      result = grade_variant(*p.spec, c.variant, grade);
    }
    report.run_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
    finish(std::move(result));
  }
  for (auto& [name, c] : prepared.cases) {
    report.max_score += c.max_score;
    report.score += c.score.value_or(0);
    report.flagged |= c.status == Status::error;
    report.cases.push_back(c);
  }
  // Where it was graded: the node, the CPUs its runs could use (the one rule for cores), and the Slurm task if any.
  report.audit["node"] = machine_info().hostname;
  report.audit["cpus"] = usable_cpus();
  if (const auto slurm = slurm_array_task())
    report.audit["slurm"] = {{"job", slurm->job}, {"task", slurm->task}, {"restarts", slurm->restarts}};
  report.audit["build_s"] = prepared.build_s;
  report.audit["run_s"] = report.run_s;
  report.audit["duration_s"] = elapsed();
  if (!options.results.empty())
    write_file_atomically(options.results / "submission.json", dump_json(to_json(report), 1) + "\n");
  return report;
}

SubmissionReport grade_submission(const SubmissionOptions& options) {
  const auto specs = submission_cases(options.catalogs, options.cases);
  PreparedSubmission prepared = prepare_submission(specs, options);
  SubmissionReport report = run_submission(prepared, specs, options);
  report.platform_error = write_platform_results(options.results, options.platform_results);
  return report;
}

std::string write_platform_results(const fs::path& results, const std::map<std::string, fs::path>& platform_results) {
  if (platform_results.empty()) return {};
  const std::string python = report_python(false);
  if (python.empty()) return "no Python 3 to write the platforms' results with: apt-get install python3";
  std::vector<std::string> command{python, (reports_dir() / "exports.py").string(), results.string()};
  for (const auto& [platform, path] : platform_results) {
    command.push_back("--" + platform);
    command.push_back(fs::absolute(path).string());
  }
  BuildOutcome done = run_build_command(command);
  return done.ok ? std::string() : fmt::format("exports.py failed: {}", done.log);
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
