#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "build/build.hpp"
#include "catalog/build_needs.hpp"
#include "catalog/case_files.hpp"
#include "catalog/catalog.hpp"
#include "grade/grade.hpp"

namespace fs = std::filesystem;
using namespace parex;

namespace {

// A scratch case folder with the given case.toml and variant files.
class CaseDir {
 public:
  CaseDir(const std::string& toml, std::vector<std::string> sources = {"serial.cpp", "parallel.cpp"},
          std::string name = "demo_case") {
    root_ = fs::temp_directory_path() /
            ("parex-catalog-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    dir_ = root_ / name;
    fs::create_directories(dir_);
    std::ofstream(dir_ / "case.toml") << toml;
    for (const auto& source : sources) {
      fs::create_directories((dir_ / source).parent_path());
      std::ofstream(dir_ / source) << "int main() {}\n";
    }
  }
  ~CaseDir() { fs::remove_all(root_); }
  const fs::path& path() const { return dir_; }

 private:
  static inline int counter_ = 0;
  fs::path root_, dir_;
};

std::string errors_of(const LoadResult& result) {
  std::string out;
  for (const auto& error : result.errors) out += format_diagnostic(error) + "\n";
  return out;
}

const char* kMinimal = "title = \"Demo\"\n";

}  // namespace

TEST(Catalog, MinimalCaseGradesParallelByDefault) {
  CaseDir dir(kMinimal);
  auto result = load_case(dir.path());
  ASSERT_TRUE(result.spec) << errors_of(result);
  EXPECT_EQ(result.spec->name, "demo_case");
  EXPECT_EQ(result.spec->graded(), std::vector<std::string>{"parallel"});
  EXPECT_EQ(result.spec->repetitions, 3);
  EXPECT_EQ(result.spec->timeout_s, 60.0);
  EXPECT_EQ(result.spec->limits.max_processes, 64);
  EXPECT_TRUE(result.spec->variants.at("serial").compiled);
}

TEST(Catalog, UnknownTopLevelKeyIsLocatedWithSuggestion) {
  CaseDir dir("title = \"Demo\"\n\n\nrepetitons = 3\n");
  auto result = load_case(dir.path());
  ASSERT_FALSE(result.spec);
  ASSERT_EQ(result.errors.size(), 1u) << errors_of(result);
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_EQ(result.errors[0].column, 1);
  EXPECT_NE(
      format_diagnostic(result.errors[0]).find("case.toml:4:1: unknown key 'repetitons' (did you mean 'repetitions'?)"),
      std::string::npos)
      << errors_of(result);
}

TEST(Catalog, MissingTitle) {
  CaseDir dir("repetitions = 2\n");
  auto result = load_case(dir.path());
  EXPECT_NE(errors_of(result).find("missing required key 'title'"), std::string::npos) << errors_of(result);
}

TEST(Catalog, WrongTypesAndRanges) {
  CaseDir dir("title = 3\nrepetitions = 0\ntimeout = \"x\"\ncapture = \"tty\"\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:1:9: 'title' must be a string"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'repetitions' must be between 1 and 10000"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'timeout' must be a number"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'capture' must be \"pipe\" or \"pty\""), std::string::npos) << errors;
}

TEST(Catalog, TomlSyntaxErrorIsLocated) {
  CaseDir dir("title = \"Demo\"\nrepetitions = = 3\n");
  auto result = load_case(dir.path());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 2);
  EXPECT_NE(result.errors[0].message.find("TOML syntax error"), std::string::npos);
}

TEST(Catalog, UnknownCheckKindSuggests) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"speedpu\"\nbaseline = \"serial\"\nat_least = 1.5\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:3:8: unknown check kind 'speedpu' (did you mean 'speedup'?)"), std::string::npos)
      << errors;
}

TEST(Catalog, BenchmarkBaselineVariantMustNameAVariantAndIsABaseline) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"benchmark_speedup\"\nbaseline = \"BM_Serial\"\n"
              "candidate = \"BM_Pool\"\nbaseline_variant = \"serail\"\nat_least = 1.5\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(
      errors.find("case.toml:2:1: baseline_variant 'serail' names no variant of this case (did you mean 'serial'?)"),
      std::string::npos)
      << errors;
  CaseDir good(std::string(kMinimal) +
               "[[checks]]\nkind = \"benchmark_speedup\"\nbaseline = \"BM_Serial\"\n"
               "candidate = \"BM_Pool\"\nbaseline_variant = \"serial\"\nat_least = 1.5\n");
  auto loaded = load_case(good.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->baselines(), std::vector<std::string>{"serial"});  // run beside the graded program
}

TEST(Catalog, ProcessesNeedsMinPeakAndSpeedupTakesAtMost) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"processes\"\n[[checks]]\nkind = \"processes\"\nmin_peak = 0\n"
              "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\nat_least = 1.5\nat_most = -1\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("'min_peak'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'min_peak' must be between 1 and 100000 (got 0)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'at_most' must be positive"), std::string::npos) << errors;
  CaseDir good(std::string(kMinimal) + "[[checks]]\nkind = \"processes\"\nmin_peak = 3\n");
  auto loaded = load_case(good.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->checks.front().name, "at least 3 processes at once");
}

TEST(Catalog, ScalingNeedsASerialFractionBetweenZeroAndOne) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"scaling\"\n[[checks]]\nkind = \"scaling\"\n"
              "max_serial_fraction = 1.5\n[[checks]]\nkind = \"scaling\"\nmax_serial_fractoin = 0.2\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("'max_serial_fraction'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'max_serial_fraction' must be in [0, 1]"), std::string::npos) << errors;
  EXPECT_NE(errors.find("did you mean 'max_serial_fraction'"), std::string::npos) << errors;
  CaseDir good(std::string(kMinimal) + "[[checks]]\nkind = \"scaling\"\nmax_serial_fraction = 0.25\n");
  auto loaded = load_case(good.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->checks.front().name, "scaling: serial fraction at most 0.25");
  EXPECT_TRUE(loaded.spec->has_timing_check());
}

TEST(Catalog, ProcessesTasksAreNamedOnceAndSpeedupMinWorkIsNotNegative) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"processes\"\nmin_peak = 3\ntasks = [\"square\", \"square\"]\n"
              "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\nat_least = 1.5\nmin_work = -0.5\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("'tasks' names each task once, none empty (got \"square\" again)"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("'min_work' must be 0 or more"), std::string::npos) << errors;
  CaseDir good(std::string(kMinimal) +
               "[[checks]]\nkind = \"processes\"\nmin_peak = 3\ntasks = [\"square\", \"cube\"]\n");
  auto loaded = load_case(good.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->checks.front().name, "at least 3 processes at once, square and cube each in its own");
  EXPECT_EQ(loaded.spec->checks.front().tasks, (std::vector<std::string>{"square", "cube"}));
}

TEST(Catalog, UnknownKeyInCheckAndLimits) {
  CaseDir dir(std::string(kMinimal) +
              "[limits]\nmax_proceses = 3\n[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\npatern = \"x\"\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("unknown key 'max_proceses' in [limits] (did you mean 'max_processes'?)"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown key 'patern' in a 'same_lines' check"), std::string::npos) << errors;
}

TEST(Catalog, AnyCheckTakesAHintThatMustBeText) {
  CaseDir good(std::string(kMinimal) +
               "[[checks]]\nkind = \"interleaved\"\npatterns = [\"^a\", \"^b\"]\n"
               "hint = \"\"\"\nStart **both** before you `join()` either.\n\"\"\"\n[[checks]]\nkind = \"exit\"\n");
  auto loaded = load_case(good.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->checks.at(0).hint, "Start **both** before you `join()` either.\n");
  EXPECT_EQ(loaded.spec->checks.at(1).hint, "");

  CaseDir bad(std::string(kMinimal) +
              "[[checks]]\nkind = \"exit\"\nhint = 3\n"
              "[[checks]]\nkind = \"exit\"\nhint = \" \\n \"\n"
              "[[checks]]\nkind = \"exit\"\nhints = \"x\"\n");
  auto errors = errors_of(load_case(bad.path()));
  EXPECT_NE(errors.find("case.toml:4:8: 'hint' must be a string"), std::string::npos) << errors;
  EXPECT_NE(errors.find("case.toml:7:8: 'hint' must say something"), std::string::npos) << errors;
  EXPECT_NE(errors.find("case.toml:10:1: unknown key 'hints' in a 'exit' check (did you mean 'hint'?)"),
            std::string::npos)
      << errors;
}

TEST(Catalog, BaselineMustNameAVariant) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"speedup\"\nbaseline = \"serail\"\nat_least = 1.5\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:2:1: baseline 'serail' names no variant of this case (did you mean 'serial'?)"),
            std::string::npos)
      << errors;
}

TEST(Catalog, BadRegexIsAnError) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"interleaved\"\npatterns = [\"^square(\", \"^cube\"]\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:4:12: bad regex '^square('"), std::string::npos) << errors;
}

TEST(Catalog, PatternsRe2CannotTakeAreErrorsWithAdvice) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"in_order\"\nbaseline = \"serial\"\npattern = \"^a(?=b)\"\n" +
              "[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\nignore = \"(took)\\\\1\"\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:5:11: bad regex '^a(?=b)' in 'pattern'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("RE2 has no lookahead"), std::string::npos) << errors;
  EXPECT_NE(errors.find("RE2 has no backreferences"), std::string::npos) << errors;
}

TEST(Catalog, FileCheckRegexesAreCheckedAndPerlEscapesWarn) {
  CaseDir bad(std::string(kMinimal) + "[[checks]]\nkind = \"filecheck\"\ntext = \"\"\"\nCHECK: a{{b|}}\n\"\"\"\n");
  auto errors = errors_of(load_case(bad.path()));
  EXPECT_NE(errors.find("invalid regex: empty (sub)expression (line 5)"), std::string::npos) << errors;

  CaseDir warned(std::string(kMinimal) + "[[checks]]\nkind = \"filecheck\"\ntext = '''\nCHECK: pid {{\\d+}}\n'''\n");
  auto loaded = load_case(warned.path());
  EXPECT_TRUE(loaded.spec) << errors_of(loaded);
  ASSERT_EQ(loaded.warnings.size(), 1u) << errors_of(loaded);
  EXPECT_EQ(format_diagnostic(loaded.warnings[0]),
            (warned.path() / "case.toml").string() + ":5:14: warning: LLVM FileCheck reads \\d as 'd'; use [0-9]");
}

TEST(Catalog, SpeedupNeedsExactlyOneThreshold) {
  CaseDir none(std::string(kMinimal) + "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\n");
  EXPECT_NE(errors_of(load_case(none.path())).find("exactly one of 'at_least' or 'efficiency'"), std::string::npos);
  CaseDir both(std::string(kMinimal) +
               "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\nat_least = 1.5\nefficiency = 0.5\n");
  EXPECT_NE(errors_of(load_case(both.path())).find("exactly one of 'at_least' or 'efficiency'"), std::string::npos);
  CaseDir range(std::string(kMinimal) + "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\nefficiency = 1.5\n");
  EXPECT_NE(errors_of(load_case(range.path())).find("'efficiency' must be in (0, 1]"), std::string::npos);
}

TEST(Catalog, InterleavedNeedsTwoPatterns) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"interleaved\"\npatterns = [\"a\"]\n");
  EXPECT_NE(errors_of(load_case(dir.path())).find("'patterns' needs at least 2 regexes"), std::string::npos);
}

TEST(Catalog, ExitCheckSignalByName) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"exit\"\nsignal = \"SIGSEGV\"\n");
  auto result = load_case(dir.path());
  ASSERT_TRUE(result.spec) << errors_of(result);
  EXPECT_EQ(result.spec->checks[0].signal, 11);
  EXPECT_EQ(result.spec->checks[0].name, "exit by SIGSEGV");
  CaseDir bad(std::string(kMinimal) + "[[checks]]\nkind = \"exit\"\nsignal = \"SIGNOPE\"\n");
  EXPECT_NE(errors_of(load_case(bad.path())).find("unknown signal 'SIGNOPE'"), std::string::npos);
}

TEST(Catalog, InputsDrawASeedPerPair) {
  CaseDir drawn(std::string(kMinimal) + "[inputs]\nseed = \"random\"\n[variants.parallel]\nargs = [\"{seed}\"]\n");
  auto loaded = load_case(drawn.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_TRUE(loaded.spec->random_seed);
  CaseDir none(kMinimal);
  EXPECT_FALSE(load_case(none.path()).spec->random_seed);

  CaseDir fixed(std::string(kMinimal) + "[inputs]\nseed = \"fixed\"\n");
  EXPECT_NE(errors_of(load_case(fixed.path())).find("case.toml:3:8: 'seed' must be \"random\" (got \"fixed\")"),
            std::string::npos)
      << errors_of(load_case(fixed.path()));
  CaseDir typo(std::string(kMinimal) + "[inputs]\nsede = \"random\"\n");
  EXPECT_NE(errors_of(load_case(typo.path())).find("unknown key 'sede' in [inputs] (did you mean 'seed'?)"),
            std::string::npos)
      << errors_of(load_case(typo.path()));
  CaseDir unseeded(std::string(kMinimal) + "[variants.parallel]\nargs = [\"--seed={seed}\"]\n");
  EXPECT_NE(errors_of(load_case(unseeded.path())).find("variant 'parallel' passes {seed} but the case draws none"),
            std::string::npos)
      << errors_of(load_case(unseeded.path()));
}

TEST(Catalog, BuildSettingsPerCaseAndPerVariant) {
  CaseDir dir(std::string(kMinimal) +
                  "[build]\ncompile_options = [\"-O3\", \"-DN=4\"]\nlink_libraries = [\"TBB::tbb\", \"libcrypto\"]\n"
                  "[variants.parallel.build]\ncompile_options = [\"-fopenmp-simd\"]\n",
              {"serial.cpp", "parallel.cpp"});
  auto loaded = load_case(dir.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->build.compile_options, (std::vector<std::string>{"-O3", "-DN=4"}));
  EXPECT_EQ(loaded.spec->build.link_libraries, (std::vector<std::string>{"TBB::tbb", "libcrypto"}));
  EXPECT_EQ(loaded.spec->variants.at("parallel").build.compile_options, (std::vector<std::string>{"-fopenmp-simd"}));

  auto error_of = [](const std::string& toml, std::vector<std::string> files = {"serial.cpp", "parallel.cpp"}) {
    CaseDir bad(std::string(kMinimal) + toml, std::move(files));
    return errors_of(load_case(bad.path()));
  };
  std::string errors = error_of("[build]\ncompile_optons = [\"-O3\"]\n");
  EXPECT_NE(errors.find("unknown key 'compile_optons' in [build] (did you mean 'compile_options'?)"), std::string::npos)
      << errors;
  errors = error_of("[build]\nlink_libraries = \"m\"\n");
  EXPECT_NE(errors.find("case.toml:3:18: 'link_libraries' must be an array of strings"), std::string::npos) << errors;
  errors = error_of("[build]\nlink_libraries = [\"m; rm -rf /\"]\n");
  EXPECT_NE(errors.find("must be a CMake target (NAME::x) or a pkg-config name"), std::string::npos) << errors;
  errors = error_of("[build]\ncompile_options = [\"-DA=1;-DB=2\"]\n");
  EXPECT_NE(errors.find("an option must be non-empty, without ';'"), std::string::npos) << errors;
  errors = error_of("build = 3\n");
  EXPECT_NE(errors.find("'build' must be a table: write it as [build]"), std::string::npos) << errors;
  errors = error_of(
      "[variants.python]\ncommand = [\"python3\", \"p.py\"]\nexpect = \"pass\"\n"
      "[variants.python.build]\ncompile_options = [\"-O3\"]\n");
  EXPECT_NE(errors.find("variant 'python' runs a command and is not compiled"), std::string::npos) << errors;
}

// The libraries a case's sources ask for, as parex_add_catalog links them and setup.sh installs them.
TEST(Catalog, BuildNeedsAreReadFromTheSourcesAndTheHeadersTheyInclude) {
  CaseDir dir(kMinimal, {"serial.cpp", "parallel.cpp", "ranks/main.cpp", "starter.cpp"});
  auto write = [&](const std::string& file, const std::string& text) { std::ofstream(dir.path() / file) << text; };
  write("serial.cpp", "#include <vector>\nint main() {}\n");
  write("parallel.cpp", "#include \"team.hpp\"\nint main() {}\n");
  write("team.hpp", "#pragma once\nvoid team() {\n  #  pragma omp parallel\n  {}\n}\n");
  write("ranks/main.cpp", "#include <mpi.h>\nint main() {}\n");
  write("starter.cpp", "// #pragma omp is in a comment: no\n#include  <tbb/parallel_for.h>\nint main() {}\n");
  auto loaded = load_case(dir.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(build_needs(*loaded.spec), (std::set<std::string>{"mpi", "openmp", "tbb"}));
  EXPECT_EQ(debian_packages_for(build_needs(*loaded.spec)),
            (std::vector<std::string>{"libopenmpi-dev", "openmpi-bin", "libgomp1", "libtbb-dev"}));

  CaseDir plain(kMinimal);
  EXPECT_TRUE(build_needs(*load_case(plain.path()).spec).empty());
}

TEST(Catalog, ARacesCheckNeedsCompiledVariantsAndThreadSanitizer) {
  CaseDir compiled(std::string(kMinimal) + "[[checks]]\nkind = \"races\"\n", {"serial.cpp", "parallel.cpp"});
  auto loaded = load_case(compiled.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->checks.at(0).kind, CheckKind::races);
  EXPECT_EQ(loaded.spec->checks.at(0).name, "no data races (ThreadSanitizer)");
  EXPECT_EQ(debian_packages_for(build_needs(*loaded.spec)), (std::vector<std::string>{"libtsan2"}));
  EXPECT_EQ(build_targets(*loaded.spec),
            (std::vector<std::string>{"parex_demo_case_parallel", "parex_demo_case_parallel_tsan",
                                      "parex_demo_case_serial", "parex_demo_case_serial_tsan"}));

  CaseDir typo(std::string(kMinimal) + "[[checks]]\nkind = \"races\"\nbaseline = \"serial\"\n", {"parallel.cpp"});
  EXPECT_NE(errors_of(load_case(typo.path())).find("unknown key 'baseline'"), std::string::npos)
      << errors_of(load_case(typo.path()));

  CaseDir python(std::string(kMinimal) +
                     "[variants.parallel]\ncommand = [\"python3\", \"parallel.py\"]\nexpect = \"pass\"\n\n"
                     "[[checks]]\nkind = \"races\"\n",
                 {"serial.cpp"});
  const std::string errors = errors_of(load_case(python.path()));
  EXPECT_NE(errors.find("case.toml:6:1: a 'races' check needs compiled variants: 'parallel' is a script"),
            std::string::npos)
      << errors;
}

TEST(Catalog, VariantsByConventionAndCommand) {
  CaseDir dir(std::string(kMinimal) +
                  "[variants.starter]\nexpect = \"fail\"\n[variants.python]\ncommand = [\"python3\", \"p.py\"]\nexpect "
                  "= \"pass\"\n",
              {"serial.cpp", "parallel.cpp", "starter/main.cpp", "starter/util.cpp"});
  auto result = load_case(dir.path());
  ASSERT_TRUE(result.spec) << errors_of(result);
  EXPECT_EQ(result.spec->graded(), (std::vector<std::string>{"parallel", "python", "starter"}));
  EXPECT_TRUE(result.spec->variants.at("starter").compiled);
  EXPECT_EQ(result.spec->variants.at("python").command[0], "python3");
}

TEST(Catalog, VariantWithoutSourceOrCommand) {
  CaseDir dir(std::string(kMinimal) + "[variants.ghost]\nexpect = \"pass\"\n");
  EXPECT_NE(
      errors_of(load_case(dir.path())).find("variant 'ghost' has no ghost.cpp, no ghost/ folder and no 'command'"),
      std::string::npos);
}

TEST(Catalog, BadExpectAndNoGradedVariant) {
  CaseDir dir(std::string(kMinimal) + "[variants.serial]\nexpect = \"maybe\"\n", {"serial.cpp"});
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("'expect' must be \"pass\" or \"fail\""), std::string::npos) << errors;
  EXPECT_NE(errors.find("no graded variant"), std::string::npos) << errors;
}

TEST(Catalog, BadCaseName) {
  CaseDir dir(kMinimal, {"parallel.cpp"}, "Bad-Name");
  EXPECT_NE(errors_of(load_case(dir.path())).find("a case name must match [a-z0-9_]+"), std::string::npos);
}

TEST(Catalog, CollectsEveryError) {
  CaseDir dir("titel = \"x\"\nwarmup = -1\n[[checks]]\nkind = \"nope\"\n");
  auto result = load_case(dir.path());
  EXPECT_GE(result.errors.size(), 4u) << errors_of(result);
}

TEST(Catalog, DidYouMean) {
  std::vector<std::string> keys = {"repetitions", "warmup", "timeout"};
  EXPECT_EQ(did_you_mean("repetitons", keys), "repetitions");
  EXPECT_EQ(did_you_mean("warmpu", keys), "warmup");
  EXPECT_EQ(did_you_mean("colour", keys), "");
}

TEST(Catalog, ReservedVariantName) {
  CaseDir dir(kMinimal, {"parallel.cpp", "clean.cpp"});
  EXPECT_NE(errors_of(load_case(dir.path())).find("'clean' is a reserved build target name"), std::string::npos);
}

TEST(Catalog, BadFileCheckTextIsACatalogError) {
  CaseDir dir(std::string(kMinimal) + "[[checks]]\nkind = \"filecheck\"\ntext = \"CHECK-NEXT: a\"\n");
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("case.toml:4:8: bad FileCheck text: invalid check text: found 'CHECK-NEXT' without previous "
                        "'CHECK: line (line 4)"),
            std::string::npos)
      << errors;
}

TEST(Catalog, FileCheckLinesCountInCaseToml) {
  CaseDir dir(std::string(kMinimal) +
              "[[checks]]\nkind = \"filecheck\"\ntext = \"\"\"\nCHECK: a\nCHECK-NEXT: b\n\"\"\"\n");
  auto result = load_case(dir.path());
  ASSERT_TRUE(result.spec) << errors_of(result);
  EXPECT_EQ(result.spec->checks[0].text_line_offset, 4);  // CHECK: a is on line 5 of case.toml
}

TEST(CommandFor, PythonCommandsRunWithTheChosenInterpreter) {
  CaseSpec spec;
  spec.dir = "/cases/demo";
  VariantSpec variant;
  variant.name = "parallel";
  variant.command = {"python3", "parallel.py"};
  EXPECT_EQ(command_for(spec, variant, "/bin", "/opt/python/bin/python3.11").argv,
            (std::vector<std::string>{"/opt/python/bin/python3.11", "parallel.py"}));
  EXPECT_EQ(command_for(spec, variant, "/bin").argv, (std::vector<std::string>{"python3", "parallel.py"}));
  variant.command = {"python", "-u", "x.py"};
  EXPECT_EQ(command_for(spec, variant, "/bin", "/py").argv[0], "/py");
  variant.command = {"python3.12", "x.py"};  // an explicit version is the author's choice
  EXPECT_EQ(command_for(spec, variant, "/bin", "/py").argv[0], "python3.12");
  variant.command = {"sh", "-c", "python3 x.py"};
  EXPECT_EQ(command_for(spec, variant, "/bin", "/py").argv[0], "sh");
}

// What a run may import (docs/extensions.md): a script variant is told the hidden variants' modules and the
// importable ones; a case without a [submission] hides what hidden_variants would default to; the submission variant
// is told nothing.
TEST(CommandFor, AScriptIsToldWhichModulesAreHiddenUnlessLearnersEditIt) {
  const std::string variants =
      "[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\n"
      "[variants.serial]\ncommand = [\"python3\", \"serial.py\"]\n"
      "[variants.parallel]\ncommand = [\"python3\", \"-u\", \"parallel.py\"]\n"
      "[variants.pool]\nexpect = \"pass\"\ncommand = [\"python3\", \"-m\", \"pool.main\", \"x.py\"]\n"
      "[variants.inline]\nexpect = \"pass\"\ncommand = [\"python3\", \"-c\", \"import a.py\"]\n";
  CaseDir local(std::string(kMinimal) + variants, {});
  auto loaded = load_case(local.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  const CaseSpec& spec = *loaded.spec;
  EXPECT_EQ(held_out_variants(spec), (std::set<std::string>{"inline", "parallel", "pool"}));
  EXPECT_EQ(variant_modules(spec, spec.variants.at("pool")), (std::vector<std::string>{"pool", "x"}));
  EXPECT_TRUE(variant_modules(spec, spec.variants.at("inline")).empty());
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(command_for(spec, spec.variants.at("parallel"), "/bin").env,
            (Env{{"PAREX_HIDDEN_MODULES", "pool=pool,x=pool"}, {"PAREX_IMPORTABLE_MODULES", "serial"}}));
  EXPECT_EQ(command_for(spec, spec.variants.at("serial"), "/bin").env,
            (Env{{"PAREX_HIDDEN_MODULES", "parallel=parallel,pool=pool,x=pool"}, {"PAREX_IMPORTABLE_MODULES", ""}}));

  CaseDir shipped(std::string(kMinimal) + "[submission]\nvariant = \"parallel\"\n" + variants, {});
  auto submission = load_case(shipped.path());
  ASSERT_TRUE(submission.spec) << errors_of(submission);
  EXPECT_EQ(held_out_variants(*submission.spec), (std::set<std::string>{"inline", "pool"}));
  EXPECT_TRUE(command_for(*submission.spec, submission.spec->variants.at("parallel"), "/bin").env.empty());
  EXPECT_EQ(command_for(*submission.spec, submission.spec->variants.at("serial"), "/bin").env,
            (Env{{"PAREX_HIDDEN_MODULES", "pool=pool,x=pool"}, {"PAREX_IMPORTABLE_MODULES", "parallel"}}));
}

TEST(Catalog, SubmissionDefaultsToTheStarter) {
  CaseDir dir(std::string(kMinimal) +
                  "[variants.starter]\nexpect = \"fail\"\n[[checks]]\nkind = \"speedup\"\n"
                  "baseline = \"serial\"\nat_least = 1.5\n",
              {"serial.cpp", "parallel.cpp", "starter.cpp", "helper.cpp"});
  auto loaded = load_case(dir.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  ASSERT_TRUE(loaded.spec->submission);
  const auto& submission = *loaded.spec->submission;
  EXPECT_FALSE(submission.declared);
  EXPECT_EQ(submission.variant, "starter");
  EXPECT_EQ(submission.files, std::vector<std::string>{"starter.cpp"});
  EXPECT_EQ(submission.hidden_variants, (std::vector<std::string>{"helper", "parallel"})) << "serial is a baseline";
}

TEST(Catalog, SubmissionPointsBandsAndVisibilityAreValidated) {
  CaseDir dir(
      std::string(kMinimal) +
          "[submission]\nvariant = \"startr\"\nfiles = [\"../parallel.cpp\"]\nhidden_variants = [\"paralel\"]\n"
          "[[checks]]\nkind = \"speedup\"\nbaseline = \"serial\"\nat_least = 1.5\npoints = -1\nbands = [[1.5, 2.0]]\n"
          "visibility = \"secret\"\n[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\nbands = [[1, 1]]\n",
      {"serial.cpp", "parallel.cpp", "starter.cpp"});
  auto errors = errors_of(load_case(dir.path()));
  EXPECT_NE(errors.find("'variant' names no variant of this case: 'startr' (did you mean 'starter'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("'points' must be between 0 and 1000000 (got -1)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'bands' must be a list of [value, fraction] pairs"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'visibility' must be one of: visible, hidden, after_due_date (got \"secret\")"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown key 'bands' in a 'same_lines' check"), std::string::npos) << errors;

  CaseDir files(
      std::string(kMinimal) + "[submission]\nfiles = [\"../parallel.cpp\"]\nhidden_variants = [\"paralel\"]\n",
      {"serial.cpp", "parallel.cpp", "starter.cpp"});
  auto file_errors = errors_of(load_case(files.path()));
  EXPECT_NE(file_errors.find("'files' holds '../parallel.cpp'"), std::string::npos) << file_errors;
  EXPECT_NE(file_errors.find("'hidden_variants' names no variant of this case: 'paralel' (did you mean 'parallel'?)"),
            std::string::npos)
      << file_errors;
}

TEST(Catalog, ACheckAgainstAHiddenBaselineIsHiddenAndWarned) {
  CaseDir dir(std::string(kMinimal) +
                  "[submission]\nhidden_variants = [\"parallel\", \"serial\"]\n[[checks]]\n"
                  "kind = \"same_lines\"\nbaseline = \"serial\"\npoints = 2\nbands = []\n",
              {"serial.cpp", "parallel.cpp", "starter.cpp"});
  auto loaded = load_case(dir.path());
  EXPECT_NE(errors_of(loaded).find("unknown key 'bands'"), std::string::npos);
  CaseDir ok(std::string(kMinimal) +
                 "[submission]\nhidden_variants = [\"parallel\", \"serial\"]\n[[checks]]\n"
                 "kind = \"same_lines\"\nbaseline = \"serial\"\npoints = 2\n",
             {"serial.cpp", "parallel.cpp", "starter.cpp"});
  auto hidden = load_case(ok.path());
  ASSERT_TRUE(hidden.spec) << errors_of(hidden);
  EXPECT_EQ(hidden.spec->checks[0].visibility, Visibility::hidden);
  EXPECT_DOUBLE_EQ(hidden.spec->checks[0].points, 2);
  ASSERT_EQ(hidden.warnings.size(), 1u);
  EXPECT_NE(hidden.warnings[0].message.find("compares with 'serial', a hidden variant"), std::string::npos);
}

TEST(Catalog, RanksMakeAnMpiVariantAndARankPicksItsLines) {
  CaseDir mpi(std::string(kMinimal) +
                  "[variants.parallel]\nranks = 4\n\n[[checks]]\nkind = \"in_order\"\nbaseline = \"serial\"\n"
                  "pattern = \"^step\"\nrank = 3\n",
              {"serial.cpp", "parallel.cpp"});
  auto loaded = load_case(mpi.path());
  ASSERT_TRUE(loaded.spec) << errors_of(loaded);
  EXPECT_EQ(loaded.spec->variants.at("parallel").ranks, 4);
  EXPECT_EQ(loaded.spec->variants.at("serial").ranks, 0);
  EXPECT_EQ(loaded.spec->checks.at(0).rank, 3);

  CaseDir zero(std::string(kMinimal) + "[variants.parallel]\nranks = 0\n", {"serial.cpp", "parallel.cpp"});
  EXPECT_NE(errors_of(load_case(zero.path())).find("case.toml:3:9: 'ranks' must be between 1 and 1024 (got 0)"),
            std::string::npos)
      << errors_of(load_case(zero.path()));
  CaseDir text(std::string(kMinimal) + "[variants.parallel]\nranks = \"2\"\n", {"serial.cpp", "parallel.cpp"});
  EXPECT_NE(errors_of(load_case(text.path())).find("'ranks' must be an integer"), std::string::npos);

  CaseDir beyond(std::string(kMinimal) +
                     "[variants.parallel]\nranks = 2\n\n[[checks]]\nkind = \"filecheck\"\ntext = \"CHECK: x\"\n"
                     "rank = 2\n",
                 {"serial.cpp", "parallel.cpp"});
  EXPECT_NE(
      errors_of(load_case(beyond.path()))
          .find("case.toml:5:1: 'rank = 2' is no rank of the graded variants: they run at most 2 rank(s), 0 to 1"),
      std::string::npos)
      << errors_of(load_case(beyond.path()));
  CaseDir no_mpi(std::string(kMinimal) + "[[checks]]\nkind = \"filecheck\"\ntext = \"CHECK: x\"\nrank = 0\n",
                 {"serial.cpp", "parallel.cpp"});
  EXPECT_NE(errors_of(load_case(no_mpi.path())).find("no graded variant of this case runs ranks"), std::string::npos)
      << errors_of(load_case(no_mpi.path()));
  CaseDir misplaced(std::string(kMinimal) +
                        "[variants.parallel]\nranks = 2\n\n[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\n"
                        "rank = 1\n",
                    {"serial.cpp", "parallel.cpp"});
  EXPECT_NE(errors_of(load_case(misplaced.path())).find("unknown key 'rank'"), std::string::npos);
}
