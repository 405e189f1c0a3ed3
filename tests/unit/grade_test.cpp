// grade_variant's rules on scripted runs (no process started): early stopping, baseline reuse, adaptive pairs up
// to max_repetitions, disturbed pairs replaced, and the machine-busy verdict. The executor is the seam: each test
// scripts what every run measured and counts the runs the grade asked for.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "build/build.hpp"
#include "catalog/catalog.hpp"
#include "grade/grade.hpp"
#include "grade/mpi.hpp"
#include "spawn/sysinfo.hpp"

namespace fs = std::filesystem;
using namespace parex;

namespace {

// A case whose variants are commands no test starts: serial (the baseline), parallel and starter.
constexpr const char* kCase = R"(title = "Scripted"
repetitions = 3
[variants.serial]
command = ["serial-prog"]
[variants.parallel]
command = ["parallel-prog"]
expect = "pass"
[variants.starter]
command = ["starter-prog"]
expect = "fail"
[[checks]]
kind = "speedup"
baseline = "serial"
at_least = 1.8
max_repetitions = 6
)";

class Scripted : public ::testing::Test {
 protected:
  void SetUp() override { load(kCase); }

  void load(const std::string& toml) {
    root_ = fs::temp_directory_path() / ("parex-grade-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "demo");
    std::ofstream(root_ / "demo/case.toml") << toml;
    auto loaded = load_case(root_ / "demo");
    ASSERT_TRUE(loaded.spec) << "the scripted case does not load";
    spec_ = *loaded.spec;
    options_.sandbox = false;
    if (machine_info().cores < 2) GTEST_SKIP() << "a speedup is judged on 2 CPUs or more";
  }
  void TearDown() override { fs::remove_all(root_); }

  // Grades `variant` with each run's measure scripted by `script(variant, its run number among that variant's)`.
  VariantResult grade(const std::string& variant, std::function<parex::Run(const std::string&, int)> script) {
    return grade_requests(variant,
                          [&](const std::string& name, const SpawnRequest&) { return script(name, calls_[name] - 1); });
  }

  // grade, with the whole request given to the script; each request is kept in requests_.
  VariantResult grade_requests(const std::string& variant,
                               std::function<parex::Run(const std::string&, const SpawnRequest&)> script) {
    calls_.clear();
    requests_.clear();
    return grade_variant(spec_, variant, options_, [&](const SpawnRequest& request) {
      const std::string program = request.argv.at(0);
      const std::string name = program.substr(0, program.find('-'));
      ++calls_[name];
      requests_.push_back(request);
      return script(name, request);
    });
  }

  static parex::Run took(double wall_s, int exit_code = 0) {
    parex::Run run;
    run.wall_s = wall_s;
    run.exit_code = exit_code;
    return run;
  }

  // A run during which other processes kept the CPUs full: a speedup leaves its pair out.
  static parex::Run busy(double wall_s) {
    parex::Run run = took(wall_s);
    run.foreign_share = 0.5;
    run.load_share = 1.0;
    return run;
  }

  fs::path root_;
  CaseSpec spec_;
  GradeOptions options_;
  std::map<std::string, int> calls_;  // runs made, by variant
  std::vector<SpawnRequest> requests_;
};

TEST_F(Scripted, ADecidedSpeedupStopsAtTheRepetitionsAsked) {
  auto result = grade("parallel", [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 1.0); });
  EXPECT_EQ(result.status, Status::pass) << result.error;
  EXPECT_EQ(result.pairs, 3);
  EXPECT_EQ(calls_["serial"], 3);
  EXPECT_EQ(calls_["parallel"], 3);
}

TEST_F(Scripted, AGradedRunThatFailsARunCheckStopsTheGrade) {
  // A run check (exit status) failed on the first graded run: no run could undo it, so none is made.
  auto result = grade("parallel",
                      [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 1.0, v == "serial" ? 0 : 3); });
  EXPECT_EQ(result.status, Status::fail);
  EXPECT_EQ(calls_["parallel"], 1);
  EXPECT_EQ(calls_["serial"], 1);
  EXPECT_EQ(result.pairs, 1);
  EXPECT_NE(result.stopped_early.find("must hold on every run"), std::string::npos) << result.stopped_early;
}

TEST_F(Scripted, AnUndecidedSpeedupGetsPairsUpToMaxRepetitions) {
  // Ratios 1.7, 1.9, 1.7, 1.9, ...: the interval straddles 1.8 however many pairs run, so they stop at 6.
  auto result = grade(
      "parallel", [](const std::string& v, int i) { return took(v == "serial" ? 1.0 : (i % 2 ? 1 / 1.9 : 1 / 1.7)); });
  EXPECT_EQ(result.pairs, 6);
  EXPECT_EQ(calls_["serial"], 6);
  EXPECT_EQ(calls_["parallel"], 6);
}

TEST_F(Scripted, DisturbedPairsAreReplacedByCleanOnes) {
  // The first pair's graded run shared full CPUs with other processes: it is left out, and one more pair runs so
  // that the verdict rests on the 3 clean pairs asked for.
  auto result = grade("parallel", [](const std::string& v, int i) {
    if (v == "serial") return took(2.0);
    return i == 0 ? busy(1.0) : took(1.0);
  });
  EXPECT_EQ(result.status, Status::pass) << result.error;
  EXPECT_EQ(result.pairs, 4);
  EXPECT_EQ(calls_["parallel"], 4);
  ASSERT_FALSE(result.checks.empty());
  EXPECT_NE(result.checks.front().message.find("1 of 4 pairs left out"), std::string::npos)
      << result.checks.front().message;
}

TEST_F(Scripted, AMachineBusyThroughEveryPairIsTheMachinesVerdict) {
  auto result = grade("parallel", [](const std::string& v, int) { return busy(v == "serial" ? 2.0 : 1.0); });
  EXPECT_EQ(result.status, Status::error);
  EXPECT_EQ(result.pairs, 6);
  EXPECT_NE(result.error.find("the machine was busy"), std::string::npos) << result.error;
}

TEST_F(Scripted, ARecordedBaselineStandsInForTheFirstPairOfAFailingStarter) {
  options_.baseline_cache = root_ / "baselines";
  // The reference's grade records its baseline runs.
  auto reference = grade("parallel", [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 1.0); });
  ASSERT_EQ(reference.status, Status::pass) << reference.error;
  // The starter crashes on its first run: its verdict is sealed beside the recorded baseline run, which is not made.
  auto starter = grade(
      "starter", [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 1.0, v == "serial" ? 0 : 1); });
  EXPECT_EQ(starter.status, Status::pass) << starter.error;  // expected to fail, and it does
  EXPECT_EQ(calls_["serial"], 0);
  EXPECT_EQ(calls_["starter"], 1);
  ASSERT_EQ(starter.runs.size(), 2u);
  EXPECT_EQ(starter.runs[0].reused_from, "demo/parallel");
  EXPECT_EQ(starter.runs[0].role, Role::baseline);
}

TEST_F(Scripted, ARecordedBaselineIsDroppedWhenTheStartersVerdictStaysOpen) {
  options_.baseline_cache = root_ / "baselines";
  grade("parallel", [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 1.0); });
  // A starter that runs cleanly seals nothing: the baseline is run here after all, on every pair.
  auto starter = grade("starter", [](const std::string& v, int) { return took(v == "serial" ? 2.0 : 2.0); });
  EXPECT_EQ(starter.status, Status::pass) << starter.error;  // 1.0x < 1.8x: it fails, as expected
  EXPECT_EQ(calls_["serial"], 3);
  for (const auto& run : starter.runs) EXPECT_TRUE(run.reused_from.empty()) << run.variant << " #" << run.index;
}

// A case whose programs read an input the runner draws per pair ([inputs] seed = "random"), as PAREX_SEED and
// as {seed} in their arguments, and print what they compute from it.
class Seeded : public Scripted {
 protected:
  void SetUp() override {
    load(std::string(kCase) + "[variants.forged]\ncommand = [\"forged-prog\"]\nexpect = \"fail\"\n" +
         "[[checks]]\nkind = \"same_lines\"\nbaseline = \"serial\"\n[inputs]\nseed = \"random\"\n");
    for (auto& [name, variant] : spec_.variants) variant.args = {"--items={seed}"};
  }

  static std::string env(const SpawnRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.env)
      if (key == name) return value;
    return "";
  }

  // What a right program prints: the answer for its pair's input. A forged one prints the answer it was written
  // with, whatever the input.
  static parex::Run answer(const std::string& v, const SpawnRequest& request) {
    parex::Run run = took(v == "serial" ? 2.0 : 1.0);
    const std::string seed = v == "forged" ? "42" : env(request, "PAREX_SEED");
    run.lines.push_back({0.1, Stream::out, "checksum " + seed});
    return run;
  }
};

TEST_F(Seeded, BothRunsOfAPairGetItsSeedAndEachPairANewOne) {
  auto result = grade_requests("parallel", answer);
  EXPECT_EQ(result.status, Status::pass) << result.error;
  ASSERT_EQ(requests_.size(), 6u);  // serial, parallel; three pairs
  std::set<std::string> seeds;
  for (std::size_t pair = 0; pair < 3; ++pair) {
    const std::string seed = env(requests_[2 * pair], "PAREX_SEED");
    ASSERT_FALSE(seed.empty());
    EXPECT_EQ(env(requests_[2 * pair + 1], "PAREX_SEED"), seed) << "pair " << pair;
    EXPECT_EQ(requests_[2 * pair + 1].argv.at(1), "--items=" + seed);
    EXPECT_EQ(result.runs[2 * pair].seed, std::stoull(seed));
    seeds.insert(seed);
  }
  EXPECT_EQ(seeds.size(), 3u) << "a new seed for each pair";
}

TEST_F(Seeded, AProgramThatKnowsTheAnswerAheadFailsSameLinesOnItsPair) {
  auto result = grade_requests("forged", answer);
  EXPECT_EQ(result.status, Status::pass) << result.error;  // expected to fail, and it does
  const auto same = std::find_if(result.checks.begin(), result.checks.end(),
                                 [](const CheckResult& c) { return c.kind == "same_lines"; });
  ASSERT_NE(same, result.checks.end());
  EXPECT_FALSE(same->passed);
  EXPECT_NE(same->detail.find("its pair, on the same seed"), std::string::npos) << same->detail;
}

TEST_F(Seeded, TheSeedOptionReplaysOnePair) {
  options_.seed = 1234;
  auto result = grade_requests("parallel", answer);
  EXPECT_EQ(result.status, Status::pass) << result.error;
  for (const auto& request : requests_) EXPECT_EQ(env(request, "PAREX_SEED"), "1234");
  for (const auto& run : result.runs) EXPECT_EQ(run.seed, 1234u);
}

TEST_F(Seeded, ARecordedBaselinesSeedIsTheFirstGradedRunsSeed) {
  options_.baseline_cache = root_ / "baselines";
  auto reference = grade_requests("parallel", answer);
  ASSERT_EQ(reference.status, Status::pass) << reference.error;
  const auto recorded = reference.runs.front().seed;  // the first serial run's, which the cache keeps
  // A starter that crashes runs once, beside the recorded baseline run, on that run's seed.
  auto starter = grade_requests("starter", [](const std::string& v, const SpawnRequest& request) {
    parex::Run run = answer(v, request);
    if (v == "starter") run.exit_code = 1;
    return run;
  });
  EXPECT_EQ(calls_["serial"], 0);
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(env(requests_[0], "PAREX_SEED"), std::to_string(*recorded));
  ASSERT_EQ(starter.runs.size(), 2u);
  EXPECT_EQ(starter.runs[0].seed, recorded);
  EXPECT_EQ(starter.runs[1].seed, recorded);
}

TEST_F(Scripted, ACaseWithoutInputsGivesNoSeed) {
  auto result = grade_requests(
      "parallel", [](const std::string& v, const SpawnRequest&) { return took(v == "serial" ? 2.0 : 1.0); });
  for (const auto& request : requests_)
    for (const auto& [key, value] : request.env) EXPECT_NE(key, "PAREX_SEED");
  for (const auto& run : result.runs) EXPECT_FALSE(run.seed);
}

}  // namespace

TEST_F(Scripted, AnMpiVariantRunsUnderMpirunAndItsLinesCarryTheirRanks) {
  if (find_on_path("mpirun").empty()) GTEST_SKIP() << "no mpirun on PATH (apt-get install openmpi-bin)";
  load(R"(title = "Ranks"
repetitions = 1
[variants.serial]
command = ["serial-prog"]
ranks = 1
[variants.parallel]
command = ["parallel-prog", "--items", "8"]
ranks = 64
expect = "pass"
[[checks]]
kind = "same_lines"
baseline = "serial"
)");
  auto result = grade_requests("parallel", [](const std::string& name, const SpawnRequest& request) {
    (void)request;
    parex::Run run = took(1.0);
    if (name == "serial") {
      run.lines = {{0.1, Stream::out, "[1,0]<stdout>:sum 10"}};
    } else {
      run.lines = {{0.1, Stream::out, "[1,1]<stdout>:part 4"},
                   {0.2, Stream::out, "[1,0]<stdout>:sum 10"},
                   {0.2, Stream::err, "[1,1]<stderr>:[1,0]<stdout>:part 6"},  // a forged tag stays in the text
                   {0.3, Stream::err, "mpirun: a note of its own"}};
    }
    return run;
  });
  ASSERT_EQ(requests_.size(), 2u);
  const int cores = machine_info().cores;
  for (const auto& request : requests_) {
    EXPECT_EQ(request.argv.at(0), find_on_path("mpirun").string());
    EXPECT_EQ(request.argv.at(1), "-np");
    EXPECT_NE(std::find(request.argv.begin(), request.argv.end(), "--tag-output"), request.argv.end());
    EXPECT_NE(std::find(request.env.begin(), request.env.end(),
                        std::pair<std::string, std::string>{"OMPI_MCA_plm", "isolated"}),
              request.env.end());
  }
  // 64 ranks asked for, as many as the cores given: parex never oversubscribes
  EXPECT_EQ(requests_.at(1).argv.at(2), std::to_string(std::min(64, cores)));
  EXPECT_EQ(std::vector<std::string>(requests_.at(1).argv.end() - 3, requests_.at(1).argv.end()),
            (std::vector<std::string>{"parallel-prog", "--items", "8"}));
  const parex::Run& graded = result.runs.back();
  EXPECT_EQ(graded.ranks, std::min(64, cores));
  ASSERT_EQ(graded.lines.size(), 4u);
  EXPECT_EQ(graded.lines[0].text, "part 4");
  EXPECT_EQ(graded.lines[0].rank, 1);
  EXPECT_EQ(graded.lines[2].text, "[1,0]<stdout>:part 6");
  EXPECT_EQ(graded.lines[2].rank, 1);
  EXPECT_EQ(graded.lines[3].text, "mpirun: a note of its own");
  EXPECT_FALSE(graded.lines[3].rank);
  EXPECT_EQ(result.status, Status::pass) << result.error;  // the same lines, once their tags are stripped
}

TEST_F(Scripted, AnMpiVariantsScalingPointsRunAsManyRanksAsTheyHaveCpus) {
  if (find_on_path("mpirun").empty()) GTEST_SKIP() << "no mpirun on PATH (apt-get install openmpi-bin)";
  load(R"(title = "Ranks that scale"
repetitions = 1
[variants.parallel]
command = ["parallel-prog"]
ranks = 8
expect = "pass"
[[checks]]
kind = "scaling"
max_serial_fraction = 0.5
)");
  auto result = grade_requests("parallel", [](const std::string&, const SpawnRequest& request) {
    return took(2.0 / std::stoi(request.argv.at(2)));  // twice as fast on twice the ranks
  });
  std::map<std::size_t, std::string> ranks_by_cpus;  // the CPUs each run was held to, and the ranks it started
  for (const auto& request : requests_) ranks_by_cpus[request.cpus.size()] = request.argv.at(2);
  const int cores = machine_info().cores;
  EXPECT_EQ(ranks_by_cpus.at(1), "1");
  EXPECT_EQ(requests_.front().argv.at(2), std::to_string(std::min(8, cores)));  // the counted run: every core
  for (const auto& run : result.runs)
    EXPECT_EQ(run.ranks, run.workers > 0 ? std::min(8, run.workers) : std::min(8, cores)) << run.workers;
  EXPECT_EQ(result.status, Status::pass) << result.error;
}
