// The command line (cli.hpp): per subcommand its arguments, add_X (its options) and command_X; run_cli runs them.
// The course's subcommands (grade, grade-class, export, autograder) are in cli_course.cpp.
#include "cli.hpp"

#include "cli_course.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/files.hpp"
#include "base/install_paths.hpp"
#include "build/build.hpp"
#include "build/build_jail.hpp"
#include "catalog/catalog.hpp"
#include "catalog/ctest_file.hpp"
#include "course/autograder.hpp"
#include "course/edition.hpp"
#include "course/grade_class.hpp"
#include "course/scaffold.hpp"
#include "course/submission.hpp"
#include "grade/grade.hpp"
#include "match/filecheck.hpp"
#include "report/console.hpp"
#include "report/results.hpp"
#include "spawn/sandbox.hpp"
#include "spawn/spawn.hpp"

namespace fs = std::filesystem;

namespace parex {
using namespace cli;
namespace {

// A folder holding case.toml is a case; any other folder is a catalog of cases.
std::vector<fs::path> expand_case_dirs(const std::vector<std::string>& paths) {
  std::vector<fs::path> out;
  for (const auto& path : paths) {
    if (fs::is_directory(path) && !fs::exists(fs::path(path) / "case.toml")) {
      auto cases = find_cases(path);
      if (!cases.empty()) {
        out.insert(out.end(), cases.begin(), cases.end());
        continue;
      }
    }
    out.emplace_back(path);
  }
  return out;
}

struct RunArgs {
  std::string case_dir, bin_dir, variant, results;
  int repetitions = 0;
  double time_scale = 0;
  std::string python;
  std::vector<std::string> pass_env;
  std::optional<std::uint64_t> seed;
  bool verbose = false;
  bool no_sandbox = false, require_sandbox = false;
};

CLI::App* add_run(CLI::App& app, RunArgs& run_args) {
  auto* run = app.add_subcommand("run", "Grade the graded variants of a case: run, check, print, write results");
  run->add_option("case_dir", run_args.case_dir, "The case folder (holding case.toml)")
      ->required()
      ->check(CLI::ExistingDirectory);
  run->add_option("--bin-dir", run_args.bin_dir, "Where the case's compiled variants are (default: the case folder)");
  run->add_option("--variant", run_args.variant, "Grade only this variant");
  run->add_option("--results", run_args.results, "Write <results>/<case>/<variant>.json here");
  run->add_option("--repetitions", run_args.repetitions, "Counted runs per variant (overrides case.toml)")
      ->check(CLI::PositiveNumber);
  run->add_option("--time-scale", run_args.time_scale, "PAREX_TIME_SCALE for the runs (overrides case.toml)")
      ->check(CLI::PositiveNumber);
  run->add_option("--python", run_args.python,
                  "Interpreter for commands that start with python3 or python (default: the python3 on PATH, resolved "
                  "to its real executable, so that a pyenv shim costs nothing)");
  run->add_option("--pass-env", run_args.pass_env,
                  "Pass this variable of the grader's environment to the runs (repeatable); they get only PATH, HOME, "
                  "LANG, TERM and PAREX_* otherwise");
  run->add_option("--seed", run_args.seed,
                  "Every pair's seed in a case with [inputs] seed = \"random\": replays a pair of a result's "
                  "runs[].inputs.seed");
  run->add_flag("-v,--verbose", run_args.verbose, "Print each run as it ends and details of passing checks");
  run->add_flag("--no-sandbox", run_args.no_sandbox,
                "Run the programs unsandboxed (docs/process-control.md: what that gives up)");
  run->add_flag("--require-sandbox", run_args.require_sandbox, "Refuse to grade where runs cannot be sandboxed");
  return run;
}

int command_run(const RunArgs& args) {
  install_interrupt_handlers();
  LoadResult loaded = load_case(args.case_dir);
  if (!loaded.spec) {
    for (const auto& error : loaded.errors) fmt::print(stderr, "{}\n", format_diagnostic(error));
    fmt::print(stderr, "parex run: {} has {} error(s); fix them (parex check {} lists them)\n", args.case_dir,
               loaded.errors.size(), args.case_dir);
    if (!args.variant.empty() && !args.results.empty()) {
      VariantResult result;
      result.case_name = fs::absolute(args.case_dir).lexically_normal().filename().string();
      result.variant = args.variant;
      result.machine = machine_info();
      result.started_at = utc_timestamp();
      result.error = fmt::format("catalog error: {}", format_diagnostic(loaded.errors.front()));
      write_result(result, args.results);
    }
    return kUsage;
  }
  const CaseSpec& spec = *loaded.spec;
  std::vector<std::string> variants = spec.graded();
  if (!args.variant.empty()) {
    if (std::find(variants.begin(), variants.end(), args.variant) == variants.end()) {
      fmt::print(stderr,
                 "parex run: '{}' is not a graded variant of {} (graded: {}); a variant is graded when it is "
                 "'parallel' or declares expect in [variants.{}]\n",
                 args.variant, spec.name, fmt::join(variants, ", "), args.variant);
      return kUsage;
    }
    variants = {args.variant};
  }

  if (auto refusal = sandbox_refusal(args.require_sandbox, args.no_sandbox); !refusal.empty()) {
    fmt::print(stderr, "parex run: {}\n", refusal);
    return kUsage;
  }
  GradeOptions options;
  options.bin_dir = args.bin_dir.empty() ? spec.dir : fs::path(args.bin_dir);
  options.sandbox = !args.no_sandbox;
  if (!args.results.empty()) options.hide.push_back(fs::absolute(args.results));
  // The case's grades share their baselines' recorded runs there (the folder is hidden from the runs).
  if (!args.results.empty()) options.baseline_cache = fs::absolute(args.results) / spec.name / ".baselines";
  if (args.repetitions > 0) options.repetitions = args.repetitions;
  if (args.time_scale > 0) options.time_scale = args.time_scale;
  options.python = args.python;
  options.pass_env = args.pass_env;
  options.seed = args.seed;
  ConsoleStyle style = console_style_for(stdout);
  style.verbose = args.verbose;
  if (args.verbose)
    options.on_run = [](const Run& run) {
      fmt::print("  ran {:<10} {:<8} #{:<2} {:>8.3f} s  {}{}\n", run.variant, to_string(run.role), run.index + 1,
                 run.wall_s, to_string(run.outcome), run.counted ? "" : " (warmup)");
      std::fflush(stdout);
    };

  int exit_code = kOk;
  for (const auto& variant : variants) {
    VariantResult result = grade_variant(spec, variant, options);
    print_result(stdout, result, style);
    if (!args.results.empty()) {
      fs::path written = write_result(result, args.results);
      if (args.verbose) fmt::print("  wrote {}\n", written.string());
    }
    if (result.status == Status::error)
      exit_code = kUsage;
    else if (result.status == Status::fail && exit_code == kOk)
      exit_code = kMissedExpect;
  }
  return exit_code;
}

CLI::App* add_check(CLI::App& app, std::vector<std::string>& check_paths) {
  auto* check = app.add_subcommand("check", "Validate case.toml files; print every error; exit 2 on any");
  check->add_option("case_dirs", check_paths, "Case folders, or catalog folders holding them")->required();
  return check;
}

int command_check(const std::vector<std::string>& paths) {
  int errors = 0, cases = 0;
  for (const auto& dir : expand_case_dirs(paths)) {
    LoadResult loaded = load_case(dir);
    ++cases;
    for (const auto& error : loaded.errors) fmt::print(stderr, "{}\n", format_diagnostic(error));
    for (const auto& warning : loaded.warnings) fmt::print(stderr, "{}\n", format_diagnostic(warning));
    errors += static_cast<int>(loaded.errors.size());
  }
  if (errors) {
    fmt::print(stderr, "parex check: {} error(s) in {} case(s)\n", errors, cases);
    return kUsage;
  }
  fmt::print("parex check: {} case(s) OK\n", cases);
  return kOk;
}

struct ListArgs {
  std::vector<std::string> catalogs;
  std::string ctest, bin_root, results, python, build_dir, cmake = "cmake";
};

CLI::App* add_list(CLI::App& app, ListArgs& list_args) {
  auto* list = app.add_subcommand("list", "List the cases of catalogs, or write their CTest registration");
  list->add_option("catalogs", list_args.catalogs, "Catalog folders")->required();
  auto* ctest =
      list->add_option("--ctest", list_args.ctest, "Write a CTest include file registering every graded variant");
  list->add_option("--bin-root", list_args.bin_root, "Executables are at <bin-root>/<case>/<variant>")->needs(ctest);
  list->add_option("--results", list_args.results, "Results directory the tests write to")->needs(ctest);
  list->add_option("--python", list_args.python, "Pass --python to every registered run")->needs(ctest);
  list->add_option("--build-dir", list_args.build_dir,
                   "Register a test <case>/build per case that builds it in this CMake build tree before its grades")
      ->needs(ctest);
  list->add_option("--cmake", list_args.cmake, "The cmake that <case>/build tests call")->needs(ctest);
  return list;
}

int command_list(const ListArgs& args) {
  if (!args.ctest.empty() && (args.bin_root.empty() || args.results.empty())) {
    fmt::print(stderr, "parex list: --ctest needs --bin-root and --results\n");
    return kUsage;
  }
  std::vector<CaseSpec> cases;
  int errors = 0;
  std::map<std::string, fs::path> seen;
  for (const auto& catalog : args.catalogs) {
    if (!fs::is_directory(catalog)) {
      fmt::print(stderr, "parex list: {} is not a directory\n", catalog);
      return kUsage;
    }
    for (const auto& dir : find_cases(catalog)) {
      LoadResult loaded = load_case(dir);
      for (const auto& error : loaded.errors) fmt::print(stderr, "{}\n", format_diagnostic(error));
      for (const auto& warning : loaded.warnings) fmt::print(stderr, "{}\n", format_diagnostic(warning));
      errors += static_cast<int>(loaded.errors.size());
      if (!loaded.spec) continue;
      if (auto [it, fresh] = seen.emplace(loaded.spec->name, dir); !fresh) {
        fmt::print(stderr, "{}: case name '{}' is already used by {}: case names are unique across catalogs\n",
                   dir.string(), loaded.spec->name, it->second.string());
        ++errors;
        continue;
      }
      cases.push_back(std::move(*loaded.spec));
    }
  }
  if (errors) {
    fmt::print(stderr, "parex list: {} catalog error(s); nothing registered\n", errors);
    return kUsage;
  }
  if (!args.ctest.empty()) {
    CtestLayout layout;
    layout.parex = fs::read_symlink("/proc/self/exe");
    layout.bin_root = fs::absolute(args.bin_root);
    layout.results = fs::absolute(args.results);
    layout.python = args.python;
    if (!args.build_dir.empty()) layout.build_dir = fs::absolute(args.build_dir);
    layout.cmake = args.cmake;
    write_file_atomically(args.ctest, ctest_script(cases, layout));
    return kOk;
  }
  for (const auto& spec : cases) {
    fmt::print("{}  {}\n", spec.name, spec.title);
    for (const auto& [name, variant] : spec.variants)
      fmt::print("  {:<12} {}{}\n", name,
                 variant.expect ? fmt::format("graded, expect {}", to_string(*variant.expect)) : "not graded",
                 variant.command.empty() ? "" : fmt::format(" (command: {})", fmt::join(variant.command, " ")));
  }
  return kOk;
}

struct BuildArgs {
  std::string case_dir, results;
  BuildOptions options;
};

CLI::App* add_build(CLI::App& app, BuildArgs& build_args) {
  auto* build =
      app.add_subcommand("build", "Build a case's compiled variants; on a compile error write build_error results");
  build->add_option("case_dir", build_args.case_dir, "The case folder")->required();
  build->add_option("--build-dir", build_args.options.build_dir, "The CMake build tree with the case's targets")
      ->required();
  build->add_option("--cmake", build_args.options.cmake, "The cmake to call")->capture_default_str();
  build->add_option("--config", build_args.options.config, "Configuration, for multi-config generators");
  build->add_option("--results", build_args.results, "Write <results>/<case>/<variant>.json for a failed build");
  return build;
}

// Builds a case's compiled variants; on a compile error writes a build_error result for each graded
// variant (the compiler's messages in it) and exits 1, so that no stale executable is graded after it.
int command_build(const BuildArgs& args) {
  LoadResult loaded = load_case(args.case_dir);
  if (!loaded.spec) {
    for (const auto& error : loaded.errors) fmt::print(stderr, "{}\n", format_diagnostic(error));
    return kUsage;
  }
  const CaseSpec& spec = *loaded.spec;
  const auto started = utc_timestamp();
  BuildOutcome outcome = build_case(spec, args.options);
  if (outcome.ok) {
    fmt::print("parex {}: built {}\n", spec.name, fmt::join(build_targets(spec), " "));
    return kOk;
  }
  for (const auto& variant : spec.graded()) {
    VariantResult result = unrun_result(
        spec, variant, Status::build_error,
        outcome.messages.empty() ? fmt::format("the build exited with {}", outcome.exit_code) : outcome.messages);
    result.started_at = started;
    print_result(stdout, result, console_style_for(stdout));
    if (!args.results.empty()) write_result(result, args.results);
  }
  if (spec.graded().empty()) fmt::print("{}\n", outcome.messages);
  return kMissedExpect;
}

CLI::App* add_new(CLI::App& app, std::string& new_name, std::string& new_in, bool& new_openmp, bool& new_mpi) {
  auto* scaffold =
      app.add_subcommand("new", "Scaffold a case folder that builds, whose solution passes and starter fails");
  scaffold->add_option("name", new_name, "Case name, [a-z0-9_]+")->required();
  scaffold->add_option("--in", new_in, "Catalog folder to create it in")->capture_default_str();
  auto* openmp =
      scaffold->add_flag("--openmp", new_openmp, "An OpenMP case: a loop to spread over threads, and its reduction");
  scaffold->add_flag("--mpi", new_mpi, "An MPI case: a sum to share between ranks, and MPI_Reduce")->excludes(openmp);
  return scaffold;
}

int command_new(const std::string& new_name, const std::string& new_in, bool new_openmp, bool new_mpi) {
  fs::path dir = scaffold_case(new_name, new_in, new_openmp ? Model::openmp : new_mpi ? Model::mpi : Model::processes);
  fmt::print(
      "created {}/ (case.toml, serial.cpp, parallel.cpp, starter.cpp, README.md)\n"
      "next: re-run cmake (or just 'cmake --build <build-dir>'), then 'ctest -R {}'\n",
      dir.string(), new_name);
  return kOk;
}

CLI::App* add_filecheck(CLI::App& app, std::string& check_file, std::string& input_file) {
  auto* filecheck_cmd =
      app.add_subcommand("filecheck", "Match input against FileCheck directives; exit 0 on match, 1 on mismatch");
  filecheck_cmd->add_option("check_file", check_file, "File with CHECK directives")->required();
  filecheck_cmd->add_option("--input", input_file, "Input file (default: stdin)");
  return filecheck_cmd;
}

int command_filecheck(const std::string& check_file, const std::string& input_file) {
  auto slurp = [](std::istream& in) {
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  std::ifstream checks(check_file, std::ios::binary);
  if (!checks) {
    fmt::print(stderr, "parex filecheck: cannot read check file {}\n", check_file);
    return kUsage;
  }
  std::string input;
  if (input_file.empty() || input_file == "-") {
    input = slurp(std::cin);
  } else {
    std::ifstream in(input_file, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "parex filecheck: cannot read input file {}\n", input_file);
      return kUsage;
    }
    input = slurp(in);
  }
  filecheck::Options options;
  options.check_name = check_file;
  options.input_name = input_file.empty() || input_file == "-" ? "<stdin>" : input_file;
  auto outcome = filecheck::run(slurp(checks), input, options);
  for (const auto& warning : outcome.warnings)
    fmt::print(stderr, "{}:{}:{}: warning: {}\n", check_file, warning.line, warning.column, warning.message);
  if (!outcome.diagnostic.empty()) fmt::print(stderr, "{}", outcome.diagnostic);
  switch (outcome.status) {
    case filecheck::Status::match:
      return kOk;
    case filecheck::Status::mismatch:
      return 1;
    case filecheck::Status::invalid_checks:
      return kUsage;
  }
  return kUsage;
}

// What the command line says, each subcommand's arguments apart; the parse fills them.
struct Arguments {
  RunArgs run;
  std::vector<std::string> check_paths;
  ListArgs list;
  BuildArgs build;
  std::string new_name, new_in = "cases";  // new's
  bool new_openmp = false;
  bool new_mpi = false;
  ClassArgs grade_class;
  ExportArgs export_edition;
  AutograderArgs autograder;
  GradeArgs grade;
  std::string check_file, input_file;  // filecheck's
};

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"parex: grade parallel-programming exercises (each subcommand below has its own --help)", "parex"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(PAREX_VERSION));

  // The subcommands in the order --help lists them, each filling its arguments.
  Arguments args;
  auto* run = add_run(app, args.run);
  auto* check = add_check(app, args.check_paths);
  auto* list = add_list(app, args.list);
  auto* build = add_build(app, args.build);
  auto* scaffold = add_new(app, args.new_name, args.new_in, args.new_openmp, args.new_mpi);
  auto* class_cmd = add_grade_class(app, args.grade_class);
  auto* export_cmd = add_export(app, args.export_edition);
  auto* gradescope_cmd = add_autograder(app, args.autograder);
  auto* grade_cmd = add_grade(app, args.grade);
  // What a learner's build runs in (runner/build/build_jail.hpp): a request on stdin, the run on stdout. Internal.
  auto* jailed_build_cmd = app.add_subcommand("jailed-build", "")->group("");
  auto* filecheck_cmd = add_filecheck(app, args.check_file, args.input_file);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }

  try {
    if (*run) return command_run(args.run);
  } catch (const Interrupted& interrupted) {
    // The tree is dead and no result was written: die of the signal, as a shell expects.
    fmt::print(stderr, "parex: interrupted by {}; the run's processes were killed, no result written\n",
               signal_name(interrupted.signo));
    remove_runner_cgroups();
    std::signal(interrupted.signo, SIG_DFL);
    std::raise(interrupted.signo);
    return 128 + interrupted.signo;
  } catch (const std::exception& e) {
    fmt::print(stderr, "parex: internal error: {}\n", e.what());
    return kUsage;
  }
  try {
    if (*check) return command_check(args.check_paths);
    if (*build) return command_build(args.build);
    if (*list) return command_list(args.list);
    if (*scaffold) return command_new(args.new_name, args.new_in, args.new_openmp, args.new_mpi);
    if (*filecheck_cmd) return command_filecheck(args.check_file, args.input_file);
    if (*jailed_build_cmd) return serve_jailed_build();
    if (*class_cmd) return command_grade_class(args.grade_class);
    if (*grade_cmd) return command_grade(args.grade);
    if (*gradescope_cmd) return command_gradescope(args.autograder);
    if (*export_cmd) return command_export(args.export_edition);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "parex: {}\n", e.what());
    return kUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "parex: internal error: {}\n", e.what());
    return kUsage;
  }
  return kUsage;
}

}  // namespace parex
