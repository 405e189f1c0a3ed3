#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/checks.hpp"

using namespace parex;

namespace {

Run run_of(double wall_s, std::vector<std::pair<double, std::string>> lines = {}) {
  Run run;
  run.wall_s = wall_s;
  run.exit_code = 0;
  run.pid = 100;
  for (auto& [t, text] : lines) run.lines.push_back({t, Stream::out, text});
  return run;
}

CheckSpec spec(CheckKind kind) {
  CheckSpec check;
  check.kind = kind;
  check.name = "check";
  check.baseline = "serial";
  return check;
}

// Serial: squares then cubes; parallel: alternating in time.
const std::vector<std::pair<double, std::string>> kSerialLines = {{0.05, "square 4"},  {0.10, "square 9"},
                                                                  {0.15, "square 64"}, {0.20, "cube 8"},
                                                                  {0.25, "cube 27"},   {0.30, "cube 512"}};
const std::vector<std::pair<double, std::string>> kParallelLines = {{0.05, "square 4"},  {0.051, "cube 8"},
                                                                    {0.10, "square 9"},  {0.101, "cube 27"},
                                                                    {0.15, "square 64"}, {0.151, "cube 512"}};

Evidence evidence(std::vector<Run> graded, std::vector<Run> serial = {}) {
  Evidence e;
  e.graded = std::move(graded);
  if (!serial.empty()) e.baselines["serial"] = std::move(serial);
  e.cores = 2;
  return e;
}

}  // namespace

TEST(Speedup, PassesOnMedianOfPairedRatios) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto result =
      evaluate(check, evidence({run_of(0.30), run_of(0.31), run_of(0.5)}, {run_of(0.60), run_of(0.61), run_of(0.6)}));
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_NEAR(*result.measured, 1.97, 0.01);                 // ratios 2.0, 1.97, 1.2: the median ignores the outlier
  EXPECT_EQ(result.message, "1.97x [1.20, 2.00] >= 1.80x");  // with 3 pairs the interval is their range
}

TEST(Speedup, FailsWhenNotFaster) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto result =
      evaluate(check, evidence({run_of(0.6), run_of(0.6), run_of(0.6)}, {run_of(0.6), run_of(0.6), run_of(0.6)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "1.00x [1.00, 1.00] < 1.80x");
  EXPECT_NE(result.detail.find("hint: the graded variant is about as fast"), std::string::npos);
}

TEST(Speedup, EfficiencyUsesAvailableCores) {
  auto check = spec(CheckKind::speedup);
  check.efficiency = 0.75;
  check.workers = 8;  // capped at the 2 cores: threshold 1.5
  auto result = evaluate(check, evidence({run_of(0.4)}, {run_of(0.64)}));
  EXPECT_DOUBLE_EQ(*result.threshold, 1.5);
  EXPECT_TRUE(result.passed) << result.message;
  result = evaluate(check, evidence({run_of(0.5)}, {run_of(0.64)}));
  EXPECT_FALSE(result.passed) << result.message;
}

TEST(Stats, MedianAndInterval) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_FALSE(median_interval({1, 2, 3, 4, 5}));
  auto interval = median_interval({1, 2, 3, 4, 5, 6});
  ASSERT_TRUE(interval);
  EXPECT_DOUBLE_EQ(interval->first, 1);
  EXPECT_DOUBLE_EQ(interval->second, 6);
  std::vector<double> many;
  for (int i = 1; i <= 20; ++i) many.push_back(i);
  interval = median_interval(many);
  EXPECT_DOUBLE_EQ(interval->first, 6);  // binomial(20, 1/2): P(X <= 5) = 2.1%
  EXPECT_DOUBLE_EQ(interval->second, 15);
}

TEST(SameLines, PassesOnPermutationAndIgnoresPattern) {
  auto check = spec(CheckKind::same_lines);
  check.ignore = "took";
  auto serial = run_of(0.6, kSerialLines);
  serial.lines.push_back({0.31, Stream::out, "Serial processing took: 0.6"});
  auto parallel = run_of(0.3, kParallelLines);
  parallel.lines.push_back({0.31, Stream::out, "Multiprocessing took: 0.3"});
  EXPECT_TRUE(evaluate(check, evidence({parallel}, {serial})).passed);
  check.ignore.clear();
  EXPECT_FALSE(evaluate(check, evidence({parallel}, {serial})).passed);
}

TEST(SameLines, ReportsMissingExtraAndDuplicatesFromFork) {
  auto check = spec(CheckKind::same_lines);
  auto parallel = run_of(0.3, kParallelLines);
  parallel.lines.erase(parallel.lines.begin());            // "square 4" missing
  parallel.lines.push_back({0.2, Stream::out, "cube 8"});  // printed by two processes
  auto result = evaluate(check, evidence({parallel}, {run_of(0.6, kSerialLines)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 1: 1 line(s) missing, 1 unexpected");
  EXPECT_NE(result.detail.find("- 'square 4' (1x expected, 0x printed)"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("+ 'cube 8' (2x printed, 1x expected)"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("flush stdout"), std::string::npos) << result.detail;
}

TEST(InOrder, PassesWhenEachKindKeepsItsOrder) {
  auto check = spec(CheckKind::in_order);
  check.pattern = "^square";
  EXPECT_TRUE(evaluate(check, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)})).passed);
}

TEST(InOrder, ShowsFirstDivergence) {
  auto check = spec(CheckKind::in_order);
  check.pattern = "^square";
  auto reordered = run_of(0.3, {{0.1, "square 9"}, {0.2, "square 4"}, {0.3, "square 64"}});
  auto result = evaluate(check, evidence({reordered}, {run_of(0.6, kSerialLines)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 1: line 1 of /^square/ is 'square 9', expected 'square 4'");
  EXPECT_NE(result.detail.find(">   1"), std::string::npos) << result.detail;
}

TEST(InOrder, AHugeLineIsMatchedAndQuotedCut) {
  auto check = spec(CheckKind::in_order);
  check.pattern = "^(result: .* done|end)$";
  const std::string huge = "result: " + std::string(std::size_t{4} << 20, 'x') + " done";
  auto result = evaluate(check, evidence({run_of(0.3, {{0.1, huge}, {0.2, "end"}})}, {run_of(0.6, {{0.1, "end"}})}));
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_LT(result.message.size() + result.detail.size(), 4096u) << result.message;
  EXPECT_NE(result.message.find("bytes ...]"), std::string::npos) << result.message;
}

TEST(Patterns, ARefusedPatternCannotBeJudgedAndNamesIt) {
  // The catalog refuses such patterns; a check built around it is the author's fault, never a fail.
  auto in_order = spec(CheckKind::in_order);
  in_order.pattern = "^a(?=b)";
  auto result = evaluate(in_order, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)}));
  EXPECT_FALSE(result.passed);
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_NE(result.message.find("bad regex /^a(?=b)/"), std::string::npos) << result.message;
  auto interleaved = spec(CheckKind::interleaved);
  interleaved.patterns = {"^square", "(cube"};
  EXPECT_TRUE(evaluate(interleaved, evidence({run_of(0.3, kParallelLines)})).cannot_judge);
  auto same = spec(CheckKind::same_lines);
  same.ignore = "took(?!x)";
  EXPECT_TRUE(evaluate(same, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)})).cannot_judge);
  auto filecheck = spec(CheckKind::filecheck);
  filecheck.text = "CHECK: {{(}}\n";
  EXPECT_TRUE(evaluate(filecheck, evidence({run_of(0.3, kParallelLines)})).cannot_judge);
  auto good = spec(CheckKind::in_order);
  good.pattern = "^square";
  EXPECT_FALSE(evaluate(good, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)})).cannot_judge);
}

TEST(Interleaved, PassesWhenSpansOverlap) {
  auto check = spec(CheckKind::interleaved);
  check.patterns = {"^square", "^cube"};
  auto result = evaluate(check, evidence({run_of(0.3, kParallelLines)}));
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_GT(*result.measured, 0.9);
}

TEST(Interleaved, FailsWhenOneAfterTheOther) {
  auto check = spec(CheckKind::interleaved);
  check.patterns = {"^square", "^cube"};
  auto result = evaluate(check, evidence({run_of(0.6, kSerialLines)}));
  EXPECT_FALSE(result.passed);
  EXPECT_DOUBLE_EQ(*result.measured, 0.0);
  EXPECT_NE(result.message.find("overlap 0% of the shorter span, need 50%"), std::string::npos) << result.message;
  EXPECT_NE(result.detail.find("one finished before the other started"), std::string::npos);
}

TEST(Interleaved, BurstMeansBuffered) {
  auto check = spec(CheckKind::interleaved);
  check.patterns = {"^square", "^cube"};
  std::vector<std::pair<double, std::string>> burst;
  for (const auto& [t, text] : kParallelLines) burst.push_back({0.3001, text});
  auto result = evaluate(check, evidence({run_of(0.3, burst)}));
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.message.find("arrived within 1 ms"), std::string::npos);
  EXPECT_NE(result.detail.find("capture = \"pty\""), std::string::npos);
}

TEST(Hint, AFailedCheckCarriesTheCasesHintAPassedOrUnjudgedOneDoesNot) {
  auto check = spec(CheckKind::interleaved);
  check.patterns = {"^square", "^cube"};
  check.hint = "`start()` both processes before you `join()` either";
  auto failed = evaluate(check, evidence({run_of(0.6, kSerialLines)}));
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.hint, check.hint);
  // parex's own hint stays in the detail, apart from the case author's.
  EXPECT_NE(failed.detail.find("hint: one finished before the other started"), std::string::npos) << failed.detail;
  EXPECT_EQ(failed.detail.find(check.hint), std::string::npos) << failed.detail;
  auto passed = evaluate(check, evidence({run_of(0.3, kParallelLines)}));
  EXPECT_TRUE(passed.passed);
  EXPECT_EQ(passed.hint, "");
  check.patterns = {"^square", "(cube"};  // a pattern the engine refuses: the author's fault, not the program's
  auto unjudged = evaluate(check, evidence({run_of(0.6, kSerialLines)}));
  EXPECT_TRUE(unjudged.cannot_judge);
  EXPECT_EQ(unjudged.hint, "");
}

TEST(Interleaved, FailsWhenAPatternNeverMatches) {
  auto check = spec(CheckKind::interleaved);
  check.patterns = {"^square", "^hexagon"};
  auto result = evaluate(check, evidence({run_of(0.3, kParallelLines)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 1: no line matches /^hexagon/");
}

TEST(Exit, CodeAndSignal) {
  auto check = spec(CheckKind::exit);
  auto crashed = run_of(0.1);
  crashed.exit_code.reset();
  crashed.signal = 11;
  crashed.outcome = Outcome::signal;
  auto result = evaluate(check, evidence({crashed}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 1 was killed by SIGSEGV, expected exit code 0");
  check.signal = 11;
  EXPECT_TRUE(evaluate(check, evidence({crashed})).passed);
  EXPECT_FALSE(evaluate(check, evidence({run_of(0.1)})).passed);
}

TEST(Isolation, ProcessKeepsParentCopy) {
  auto check = spec(CheckKind::isolation);
  check.probe = "square_result";
  auto run = run_of(0.1);
  run.probes = {{0.01, 100, 100, "square_result", "[]"},
                {0.02, 101, 101, "square_result", "[4, 9]"},
                {0.03, 100, 100, "square_result", "[]"}};
  auto result = evaluate(check, evidence({run}));
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(Isolation, EachRuleHasItsMessage) {
  auto check = spec(CheckKind::isolation);
  check.probe = "v";
  auto with = [&](std::vector<ProbeRecord> probes) {
    auto run = run_of(0.1);
    run.probes = std::move(probes);
    return evaluate(check, evidence({run}));
  };
  EXPECT_NE(with({}).message.find("no record of probe 'v'"), std::string::npos);
  EXPECT_NE(with({{0.1, 100, 100, "v", "[]"}, {0.2, 100, 100, "v", "[4]"}})
                .message.find("every record came from the main process"),
            std::string::npos);
  EXPECT_NE(with({{0.1, 101, 101, "v", "[4]"}, {0.2, 100, 100, "v", "[]"}}).message.find("did not report 'v' before"),
            std::string::npos);
  EXPECT_NE(with({{0.1, 100, 100, "v", "[]"}, {0.2, 101, 101, "v", "[]"}, {0.3, 100, 100, "v", "[]"}})
                .message.find("did not change"),
            std::string::npos);
  EXPECT_NE(with({{0.1, 100, 100, "v", "[]"}, {0.2, 101, 101, "v", "[4]"}}).message.find("after the last record"),
            std::string::npos);
  auto shared = with({{0.1, 100, 100, "v", "[]"}, {0.2, 100, 102, "v", "[4]"}, {0.3, 100, 100, "v", "[4]"}});
  EXPECT_FALSE(shared.passed);
  EXPECT_NE(shared.message.find("the parent saw [4] after the child changed it: the variable is shared, not copied"),
            std::string::npos)
      << shared.message;
  EXPECT_NE(shared.detail.find("a thread of the main process"), std::string::npos);
}

TEST(Implicit, TimeoutLimitsLeaksAndBaseline) {
  auto ok = run_of(0.1, {{0.05, "hello"}});
  auto checks = implicit_checks({}, evidence({ok}, {ok}));
  ASSERT_EQ(checks.size(), 5u);
  for (const auto& check : checks) EXPECT_TRUE(check.passed) << check.name << ": " << check.message;

  auto timed_out = ok;
  timed_out.outcome = Outcome::timeout;
  timed_out.timed_out = true;
  timed_out.error = "timed out after 1 s";
  auto flooded = ok;
  flooded.outcome = Outcome::output_limit;
  flooded.error = "printed more than max_output_bytes = 100 bytes";
  auto leaky = ok;
  leaky.leaked = {{4242, "./parallel"}};
  auto broken_baseline = ok;
  broken_baseline.exit_code = 3;
  broken_baseline.outcome = Outcome::exit_nonzero;
  checks = implicit_checks({}, evidence({timed_out, flooded, leaky}, {broken_baseline}));
  std::map<std::string, CheckResult> by_kind;
  for (auto& check : checks) by_kind[check.kind] = check;
  EXPECT_FALSE(by_kind["timeout"].passed);
  EXPECT_NE(by_kind["timeout"].detail.find("hello"), std::string::npos);  // what it printed last
  EXPECT_FALSE(by_kind["limits"].passed);
  EXPECT_EQ(by_kind["limits"].message, "run 2 printed more than max_output_bytes = 100 bytes");
  EXPECT_FALSE(by_kind["no_leaks"].passed);
  EXPECT_NE(by_kind["no_leaks"].detail.find("pid 4242: ./parallel"), std::string::npos);
  EXPECT_FALSE(by_kind["baseline"].passed);
  EXPECT_TRUE(by_kind["exit"].passed);  // a timed-out run's status is not trusted, and 0 otherwise
}

// A check every run must pass that failed on one seals the verdict: the runner runs no more pairs. A run check (the
// score is 0 anyway) seals any variant; a declared one only a variant expected to fail (`declared`), since a
// submission's other checks still earn points. A slow run, a refused pattern or a broken baseline never seals.
TEST(Sealing, AFailedEveryRunCheckSealsTheVerdictATimingOrUnjudgeableOneDoesNot) {
  auto speedup = spec(CheckKind::speedup);
  speedup.at_least = 1.8;
  auto interleaved = spec(CheckKind::interleaved);
  interleaved.patterns = {"^square", "^cube"};
  const std::vector<CheckSpec> checks = {speedup, interleaved};

  // The reference's first pair: every check holds, nothing is sealed, even at 1.0x (the speedup may still pass).
  EXPECT_FALSE(sealing_failure(checks, evidence({run_of(0.6, kParallelLines)}, {run_of(0.6, kSerialLines)}), true));
  // A starter's first pair: squares, then cubes: sealed by interleaved, named, with its message...
  auto sealed = sealing_failure(checks, evidence({run_of(0.6, kSerialLines)}, {run_of(0.6, kSerialLines)}), true);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->kind, "interleaved");
  EXPECT_EQ(sealed->message.rfind("run 1: ", 0), 0u) << sealed->message;
  // ...but not a submission's: its speedup still earns its points, measured on every pair.
  EXPECT_FALSE(sealing_failure(checks, evidence({run_of(0.6, kSerialLines)}, {run_of(0.6, kSerialLines)}), false));

  // Run checks seal any variant: a timeout, a non-zero exit.
  auto timed_out = run_of(1.0, kParallelLines);
  timed_out.outcome = Outcome::timeout;
  timed_out.error = "timed out after 1 s";
  for (bool declared : {true, false}) {
    auto by_timeout = sealing_failure(checks, evidence({timed_out}, {run_of(0.6, kSerialLines)}), declared);
    ASSERT_TRUE(by_timeout);
    EXPECT_EQ(by_timeout->kind, "timeout");
  }
  auto crashed = run_of(0.3, kParallelLines);
  crashed.exit_code = 1;
  EXPECT_EQ(sealing_failure(checks, evidence({crashed}, {run_of(0.6, kSerialLines)}), false)->kind, "exit");

  // Never sealed: a baseline that crashed (the grader's problem), a pattern the engine refuses (the author's).
  auto broken = run_of(0.6, kSerialLines);
  broken.exit_code = 3;
  broken.outcome = Outcome::exit_nonzero;
  EXPECT_FALSE(sealing_failure(checks, evidence({run_of(0.3, kParallelLines)}, {broken}), true));
  auto refused = spec(CheckKind::in_order);
  refused.pattern = "^a(?=b)";  // a lookahead: refused by the engine
  auto judged = evaluate(refused, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)}));
  ASSERT_TRUE(judged.cannot_judge) << judged.message;
  EXPECT_FALSE(sealing_failure({refused}, evidence({run_of(0.3, kParallelLines)}, {run_of(0.6, kSerialLines)}), true));
}

TEST(Speedup, UndecidedWhileTheIntervalStraddlesTheThreshold) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto straddling = evidence({run_of(0.35), run_of(0.31), run_of(0.30)}, {run_of(0.6), run_of(0.6), run_of(0.6)});
  EXPECT_TRUE(speedup_undecided(check, straddling));  // ratios 1.71 .. 2.0 around 1.8
  auto clear = evidence({run_of(0.31), run_of(0.30), run_of(0.32)}, {run_of(0.6), run_of(0.6), run_of(0.6)});
  EXPECT_FALSE(speedup_undecided(check, clear));
}

// A run during which the hypervisor took `share` of the machine's CPU time.
Run stolen(Run run, double share) {
  run.stolen_share = share;
  return run;
}

TEST(Speedup, PairsDisturbedByStealAreLeftOut) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  // Three pairs at 2.0x, two at 1.0x while a vCPU was stolen: judged on the clean three.
  auto e = evidence({run_of(0.3), stolen(run_of(0.6), 0.3), run_of(0.3), stolen(run_of(0.6), 0.25), run_of(0.3)},
                    {run_of(0.6), run_of(0.6), run_of(0.6), run_of(0.6), run_of(0.6)});
  e.repetitions = 3;
  auto result = evaluate(check, e);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_DOUBLE_EQ(*result.measured, 2.0);
  EXPECT_EQ(result.message,
            "2.00x [2.00, 2.00] >= 1.80x (2 of 5 pairs left out: the hypervisor took over 10% of the CPUs)");
  EXPECT_EQ(result.data["disturbed_pairs"], 2);
  EXPECT_TRUE(result.data["pairs"][1].value("disturbed", false));
  EXPECT_FALSE(speedup_undecided(check, e));  // three clean pairs, as asked, all above the bar

  // The same runs without steal figures: the slow pairs count, and the median is 2.0 still but the range is not.
  auto plain = evidence({run_of(0.3), run_of(0.6), run_of(0.3), run_of(0.6), run_of(0.3)},
                        {run_of(0.6), run_of(0.6), run_of(0.6), run_of(0.6), run_of(0.6)});
  EXPECT_EQ(evaluate(check, plain).message, "2.00x [1.00, 2.00] >= 1.80x");
}

TEST(Speedup, StealBelowTheBarChangesNothing) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto e = evidence({stolen(run_of(0.6), 0.05), stolen(run_of(0.6), 0.1)}, {run_of(0.6), run_of(0.6)});
  e.repetitions = 2;
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.data["disturbed_pairs"], 0);
}

TEST(Speedup, DisturbedPairsAreReplacedUpToTheRepetitionsAsked) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto e = evidence({run_of(0.3), stolen(run_of(0.6), 0.4), run_of(0.3)}, {run_of(0.6), run_of(0.6), run_of(0.6)});
  e.repetitions = 3;
  EXPECT_TRUE(speedup_undecided(check, e));  // two clean pairs of the three asked for
  e.graded.push_back(run_of(0.3));
  e.baselines["serial"].push_back(run_of(0.6));
  EXPECT_FALSE(speedup_undecided(check, e));
}

TEST(Speedup, EveryPairDisturbedIsJudgedOnAllAndSaysSo) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto e = evidence({stolen(run_of(0.6), 0.5), stolen(run_of(0.6), 0.5)}, {run_of(0.6), run_of(0.6)});
  e.repetitions = 2;
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.message.find("every pair disturbed"), std::string::npos) << result.message;
  EXPECT_TRUE(speedup_undecided(check, e));  // more pairs may find a quiet moment
}

// A run during which other processes used `foreign` of the CPUs it could use, with `load` of them in use in all.
Run crowded(Run run, double foreign, double load) {
  run.foreign_share = foreign;
  run.load_share = load;
  return run;
}

TEST(Speedup, PairsDisturbedByOtherProcessesAreLeftOut) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.5;
  // A hog on one of two CPUs: the parallel run is slowed (0.6 s, as slow as the serial one) and the CPUs were full.
  auto e = evidence({run_of(0.3), crowded(run_of(0.6), 0.45, 1.0), run_of(0.3), run_of(0.3)},
                    {run_of(0.6), crowded(run_of(0.6), 0.5, 1.0), run_of(0.6), run_of(0.6)});
  e.repetitions = 3;
  auto result = evaluate(check, e);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_EQ(result.message,
            "2.00x [2.00, 2.00] >= 1.50x (1 of 4 pairs left out: other processes took over 10% of the full CPUs)");
  EXPECT_EQ(result.data["disturbed_pairs"], 1);
  EXPECT_FALSE(speedup_undecided(check, e));
  e.graded.pop_back();
  e.baselines["serial"].pop_back();
  EXPECT_TRUE(speedup_undecided(check, e));  // two clean pairs of the three asked for: one more
}

TEST(Speedup, OtherProcessesOnFreeCpusOrWithinTheTickErrorChangeNothing) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  // Sleep-based work beside a hog: half the CPUs busy, but never full.
  auto sleeping = evidence({crowded(run_of(0.3), 0.5, 0.52)}, {crowded(run_of(0.6), 0.5, 0.51)});
  EXPECT_EQ(evaluate(check, sleeping).data["disturbed_pairs"], 0);
  // 15% in a 50 ms run is within /proc/stat's 10 ms ticks (+-20%).
  auto short_runs = evidence({crowded(run_of(0.05), 0.15, 1.0)}, {run_of(0.1)});
  EXPECT_EQ(evaluate(check, short_runs).data["disturbed_pairs"], 0);
}

TEST(Speedup, AMachineBusyThroughEveryPairIsAnErrorNotAFailure) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.5;
  // pool_map's reference beside one busy loop on 2 cores: 0.94x, which would fail with a hint for the learner.
  auto e = evidence({crowded(run_of(0.64), 0.40, 1.0), crowded(run_of(0.62), 0.42, 1.0)},
                    {crowded(run_of(0.6), 0.5, 1.0), crowded(run_of(0.58), 0.52, 1.0)});
  e.repetitions = 2;
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_TRUE(result.cannot_judge);  // the grade is `error`, the machine's, never `fail`
  EXPECT_EQ(result.message,
            "the machine was busy: other processes took 46% of the CPUs during the runs; grade again when it is idle");
  EXPECT_EQ(result.detail.find("hint"), std::string::npos);
  EXPECT_TRUE(result.data["machine_busy"].get<bool>());
  EXPECT_TRUE(speedup_undecided(check, e));  // more pairs may find a quiet moment
  // The same runs on a quiet machine fail, with the hint.
  auto quiet = evidence({run_of(0.64), run_of(0.62)}, {run_of(0.6), run_of(0.58)});
  auto failed = evaluate(check, quiet);
  EXPECT_FALSE(failed.cannot_judge);
  EXPECT_NE(failed.detail.find("hint: the graded variant is about as fast"), std::string::npos);
}

TEST(Speedup, TheHintIsLeftOutWhenAPairWasDisturbed) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.8;
  auto e =
      evidence({run_of(0.6), crowded(run_of(0.9), 0.3, 1.0), run_of(0.6)}, {run_of(0.6), run_of(0.6), run_of(0.6)});
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_EQ(result.detail.find("hint"), std::string::npos) << result.detail;
}

// A run of a Google Benchmark program that printed these median real times (ns) as JSON.
Run benchmark_output(double serial_ns, double pool_ns, double steal = 0) {
  auto median = [](const std::string& name, double real_time) {
    return nlohmann::json{{"name", name + "/real_time_median"},
                          {"run_name", name + "/real_time"},
                          {"run_type", "aggregate"},
                          {"aggregate_name", "median"},
                          {"real_time", real_time}};
  };
  nlohmann::json report = {{"context", {{"num_cpus", 2}}},
                           {"benchmarks", {median("BM_Serial", serial_ns), median("BM_Pool", pool_ns)}}};
  return stolen(run_of(2.0, {{1.9, report.dump()}}), steal);
}

CheckSpec benchmark_check() {
  auto check = spec(CheckKind::benchmark_speedup);
  check.baseline = "BM_Serial";
  check.candidate = "BM_Pool";
  check.efficiency = 0.75;  // 1.5x on 2 cores
  return check;
}

TEST(BenchmarkSpeedup, PassesOnTheMedianRealTimes) {
  auto result = evaluate(benchmark_check(), evidence({benchmark_output(80e6, 40e6)}));
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_DOUBLE_EQ(*result.measured, 2.0);
  EXPECT_EQ(result.message, "2.00x >= 1.50x (median real time BM_Serial / BM_Pool)");
}

TEST(BenchmarkSpeedup, FailsWhenTheCandidateIsNotFastEnough) {
  auto result = evaluate(benchmark_check(), evidence({benchmark_output(80e6, 70e6)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "1.14x < 1.50x (median real time BM_Serial / BM_Pool)");
}

TEST(BenchmarkSpeedup, OutputThatIsNoBenchmarkReportOrLacksTheBenchmarkFails) {
  auto result = evaluate(benchmark_check(), evidence({run_of(0.1, {{0.05, "hello"}})}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "the program did not print Google Benchmark JSON (is it a benchmark program?)");
  auto check = benchmark_check();
  check.candidate = "BM_Poll";
  result = evaluate(check, evidence({benchmark_output(80e6, 40e6)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message,
            "benchmark 'BM_Poll' not found in the output (found: BM_Pool/real_time, BM_Serial/real_time)");
}

TEST(BenchmarkSpeedup, ARunDisturbedByStealIsRunAgainAndLeftOut) {
  auto check = benchmark_check();
  auto e = evidence({benchmark_output(80e6, 60e6, 0.25)});  // 1.33x while a vCPU was stolen
  EXPECT_TRUE(speedup_undecided(check, e));
  e.graded.push_back(benchmark_output(80e6, 40e6));
  EXPECT_FALSE(speedup_undecided(check, e));
  auto result = evaluate(check, e);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_EQ(result.message,
            "2.00x >= 1.50x (median real time BM_Serial / BM_Pool) (1 of 2 runs left out: the hypervisor took over 10% "
            "of the CPUs)");
  EXPECT_EQ(result.data["disturbed_runs"], 1);
  EXPECT_FALSE(speedup_undecided(check, evidence({benchmark_output(80e6, 60e6, 0.05)})));  // steal below the bar
}

TEST(BenchmarkSpeedup, EveryRunOnABusyMachineIsAnError) {
  auto check = benchmark_check();
  auto e =
      evidence({crowded(benchmark_output(80e6, 75e6), 0.44, 1.0), crowded(benchmark_output(80e6, 78e6), 0.52, 1.0)});
  EXPECT_TRUE(speedup_undecided(check, e));
  auto result = evaluate(check, e);
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message,
            "the machine was busy: other processes took 48% of the CPUs during the runs; grade again when it is idle");
  e.graded.push_back(benchmark_output(80e6, 40e6));  // a quiet moment: judged on it
  result = evaluate(check, e);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(BenchmarkSpeedup, EveryRunDisturbedIsJudgedOnTheLastAndSaysSo) {
  auto check = benchmark_check();
  auto e = evidence({benchmark_output(80e6, 40e6, 0.3), benchmark_output(80e6, 60e6, 0.3)});
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.message.find("1.33x < 1.50x"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("every run disturbed"), std::string::npos) << result.message;
  EXPECT_TRUE(speedup_undecided(check, e));
}

TEST(BenchmarkSpeedup, ABaselineVariantsProgramGivesTheBaselineNotTheGradedOnes) {
  auto check = benchmark_check();
  check.baseline_variant = "serial";
  // The graded program's own BM_Serial says 80 ms (a forged 2x); the instructor's serial program says 40 ms.
  auto e = evidence({benchmark_output(80e6, 40e6)});
  e.baselines["serial"] = {benchmark_output(40e6, 1)};
  auto result = evaluate(check, e);
  EXPECT_FALSE(result.passed);
  EXPECT_DOUBLE_EQ(*result.measured, 1.0);
  EXPECT_EQ(result.message, "1.00x < 1.50x (median real time BM_Serial of 'serial' / BM_Pool)");
  e.baselines["serial"] = {benchmark_output(80e6, 1)};
  EXPECT_TRUE(evaluate(check, e).passed);
}

TEST(BenchmarkSpeedup, ABaselineVariantThatDidNotRunOrLacksTheBenchmarkFailsSayingWhich) {
  auto check = benchmark_check();
  check.baseline_variant = "serial";
  auto e = evidence({benchmark_output(80e6, 40e6)});
  EXPECT_EQ(evaluate(check, e).message, "no baseline runs to compare");
  e.baselines["serial"] = {run_of(0.1, {{0.05, "hello"}})};
  EXPECT_EQ(evaluate(check, e).message, "'serial' did not print Google Benchmark JSON (is it a benchmark program?)");
  check.baseline = "BM_Serail";
  e.baselines["serial"] = {benchmark_output(80e6, 1)};
  EXPECT_EQ(
      evaluate(check, e).message,
      "benchmark 'BM_Serail' not found in the output of 'serial' (found: BM_Pool/real_time, BM_Serial/real_time)");
}

TEST(BenchmarkSpeedup, ABaselineProgramDisturbedEveryTimeIsRunAgain) {
  auto check = benchmark_check();
  check.baseline_variant = "serial";
  auto e = evidence({benchmark_output(80e6, 40e6)});
  e.baselines["serial"] = {benchmark_output(80e6, 1, 0.3)};
  EXPECT_TRUE(speedup_undecided(check, e));
  e.baselines["serial"].push_back(benchmark_output(80e6, 1));
  EXPECT_FALSE(speedup_undecided(check, e));
}

// One process printing the lines with short sleeps "speeds up" CPU-bound work 20x: above the ceiling.
TEST(Speedup, FasterThanTheCoresAllowIsWorkLeftUndone) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.5;
  auto busy = [](double wall, double cpu_share) {
    auto run = run_of(wall);
    run.user_s = wall * cpu_share;
    return run;
  };
  auto forged = evaluate(check, evidence({busy(0.03, 0.1), busy(0.03, 0.1)}, {busy(0.6, 0.98), busy(0.6, 0.98)}));
  EXPECT_FALSE(forged.passed);
  EXPECT_EQ(forged.message, "20.00x [20.00, 20.00] > 3.00x: faster than the work allows");
  EXPECT_NE(forged.detail.find("1.5 x 2 core(s) for CPU-bound work"), std::string::npos) << forged.detail;
  // A right program, slightly superlinear, passes; sleeping work has no default ceiling.
  EXPECT_TRUE(
      evaluate(check, evidence({busy(0.26, 2.26), busy(0.26, 2.26)}, {busy(0.6, 0.98), busy(0.6, 0.98)})).passed);
  EXPECT_TRUE(evaluate(check, evidence({run_of(0.03), run_of(0.03)}, {run_of(0.6), run_of(0.6)})).passed);
  // at_most applies to any work.
  check.at_most = 2.5;
  auto capped = evaluate(check, evidence({run_of(0.03), run_of(0.03)}, {run_of(0.6), run_of(0.6)}));
  EXPECT_FALSE(capped.passed);
  EXPECT_EQ(capped.data["at_most"], 2.5);
}

// Work conservation: CPU-bound work that measures fast on a fraction of the baseline's CPU time was not all done.
TEST(Speedup, CpuBoundWorkMustCostAboutItsCpuTime) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 1.5;
  auto busy = [](double wall, double cpu_s) {
    auto run = run_of(wall);
    run.user_s = cpu_s;
    return run;
  };
  // Two processes doing half each: 0.31 s on 0.6 s of CPU, the baseline's.
  auto right = evaluate(check, evidence({busy(0.31, 0.6), busy(0.31, 0.61)}, {busy(0.6, 0.59), busy(0.6, 0.59)}));
  EXPECT_TRUE(right.passed) << right.message;
  EXPECT_NEAR(right.data["graded_cpu_s"].get<double>(), 0.605, 1e-9);
  // Half the work skipped: 2x on half the CPU time.
  auto skipped = evaluate(check, evidence({busy(0.3, 0.3), busy(0.3, 0.3)}, {busy(0.6, 0.59), busy(0.6, 0.59)}));
  EXPECT_FALSE(skipped.passed);
  EXPECT_EQ(skipped.message, "2.00x [2.00, 2.00] on 51% of the baseline's CPU time: work left undone");
  EXPECT_NE(skipped.detail.find("min_work = 0.80"), std::string::npos) << skipped.detail;
  // min_work sets the share; 0 turns it off. Sleeping work is not held to it.
  check.min_work = 0.5;
  EXPECT_TRUE(evaluate(check, evidence({busy(0.3, 0.3), busy(0.3, 0.3)}, {busy(0.6, 0.59), busy(0.6, 0.59)})).passed);
  check.min_work = 0;
  EXPECT_TRUE(evaluate(check, evidence({busy(0.3, 0.01), busy(0.3, 0.01)}, {busy(0.6, 0.59), busy(0.6, 0.59)})).passed);
  check.min_work.reset();
  EXPECT_TRUE(evaluate(check, evidence({busy(0.3, 0.0), busy(0.3, 0.0)}, {busy(0.6, 0.01), busy(0.6, 0.01)})).passed);
}

// Trusted tasks: each task's start and end probes (from the instructor's shared code) must come from one process
// of its own, not the main one, and the tasks must overlap in time. Idle children or one process printing fail.
TEST(Processes, EachTaskInAProcessOfItsOwnAllAtOnce) {
  auto check = spec(CheckKind::processes);
  check.min_peak = 3;
  check.tasks = {"square", "cube"};
  check.min_overlap = 0.5;
  // A record as the runner keeps it: the claimed pid, the kernel's writer (host_pid), the arrival time.
  auto task = [](int writer, double at, const char* what, const char* name) {
    return ProbeRecord{at, writer - 1000, writer - 1000, what, name, writer, at};
  };
  auto run_with = [&](std::vector<ProbeRecord> probes) {
    auto run = run_of(0.3);
    run.pid = 1;
    run.host_pid = 1001;  // the main process
    run.peak_processes = 3;
    run.probes = std::move(probes);
    return run;
  };
  auto judged = [&](std::vector<ProbeRecord> probes) {
    return evaluate(check, evidence({run_with(std::move(probes))}));
  };
  // square from writer `sq` over [s0, s1], cube from writer `cu` over [c0, c1].
  auto tasks = [&](int sq, double s0, double s1, int cu, double c0, double c1) {
    return judged({task(sq, s0, "task_start", "square"), task(cu, c0, "task_start", "cube"),
                   task(sq, s1, "task_end", "square"), task(cu, c1, "task_end", "cube")});
  };
  auto right = tasks(1002, 0.01, 0.31, 1003, 0.011, 0.312);
  EXPECT_TRUE(right.passed) << right.message;
  EXPECT_NE(right.message.find("square, cube each in a process of its own"), std::string::npos) << right.message;
  // Idle children, the lines printed by main: no task probes at all.
  auto idle = judged({});
  EXPECT_FALSE(idle.passed);
  EXPECT_NE(idle.message.find("task 'square' never ran"), std::string::npos) << idle.message;
  // The tasks called in the main process; both in one child; two children one after the other.
  auto in_main = tasks(1001, 0.01, 0.3, 1003, 0.01, 0.3);
  EXPECT_NE(in_main.message.find("task 'square' ran in the main process"), std::string::npos) << in_main.message;
  auto shared = tasks(1002, 0.01, 0.3, 1002, 0.01, 0.3);
  EXPECT_NE(shared.message.find("ran in the same process"), std::string::npos) << shared.message;
  auto serial = tasks(1002, 0.0, 0.3, 1003, 0.3, 0.6);
  EXPECT_NE(serial.message.find("at the same time for 0% of the shortest"), std::string::npos) << serial.message;
  // Started in one process, "ended" by another (a record forged under the task's name).
  auto split = judged({task(1002, 0.0, "task_start", "square"), task(1004, 0.3, "task_end", "square"),
                       task(1003, 0.0, "task_start", "cube"), task(1003, 0.3, "task_end", "cube")});
  EXPECT_NE(split.message.find("started in pid 2 and ended in pid 4"), std::string::npos) << split.message;
  // Without tasks the check counts processes only.
  check.tasks.clear();
  EXPECT_TRUE(judged({}).passed);
}

TEST(Processes, TheFewestAtOnceInAnyRunMustReachMinPeak) {
  auto check = spec(CheckKind::processes);
  check.min_peak = 3;
  auto with_peak = [](int peak) {
    auto run = run_of(0.3);
    run.peak_processes = peak;
    return run;
  };
  auto result = evaluate(check, evidence({with_peak(3), with_peak(4)}));
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_EQ(result.message, "2 run(s): at least 3 process(es) at once");
  result = evaluate(check, evidence({with_peak(3), with_peak(1)}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 2: at most 1 process(es) at once, fewer than 3");
}

TEST(Speedup, UnreachableOnThisMachineIsNotALearnersFailure) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 3.5;  // on 2 cores, with CPU-bound work
  auto busy = [](double wall) {
    auto run = run_of(wall);
    run.user_s = wall * 0.98;
    return run;
  };
  auto result = evaluate(check, evidence({busy(0.3)}, {busy(0.6)}));
  EXPECT_TRUE(result.data.value("unreachable", false));
  EXPECT_NE(result.message.find("unreachable here (2 cores, CPU-bound work)"), std::string::npos) << result.message;
  // Sleeping work is not bound by cores: the same bar is then a plain failure.
  result = evaluate(check, evidence({run_of(0.3)}, {run_of(0.6)}));
  EXPECT_FALSE(result.data.value("unreachable", false));
  EXPECT_FALSE(result.passed);
}

// The scaling check's evidence: the graded variant's runs at each CPU count, one wall time per repetition.
Evidence scaled(std::map<int, std::vector<double>> walls, int cores = 4) {
  Evidence e;
  e.cores = cores;
  for (const auto& [workers, times] : walls)
    for (double wall : times) e.scaling[workers].push_back(run_of(wall));
  return e;
}

CheckSpec scaling_check(double most) {
  auto check = spec(CheckKind::scaling);
  check.max_serial_fraction = most;
  return check;
}

TEST(Scaling, ThePointsAreThePowersOfTwoBelowTheCoresAndTheCores) {
  EXPECT_EQ(scaling_points(1), std::vector<int>{1});
  EXPECT_EQ(scaling_points(2), (std::vector<int>{1, 2}));
  EXPECT_EQ(scaling_points(6), (std::vector<int>{1, 2, 4, 6}));
  EXPECT_EQ(scaling_points(16), (std::vector<int>{1, 2, 4, 8, 16}));
}

TEST(Scaling, AmdahlsFractionIsRecoveredFromItsOwnCurve) {
  for (double f : {0.0, 0.1, 0.5, 1.0}) {
    std::vector<std::pair<int, double>> points;
    for (int w : {1, 2, 4, 8}) points.emplace_back(w, 1 / (f + (1 - f) / w));
    EXPECT_NEAR(*amdahl_serial_fraction(points), f, 1e-12);
  }
  EXPECT_FALSE(amdahl_serial_fraction({{1, 1.0}}).has_value());  // one CPU says nothing
}

TEST(Scaling, APoolThatScalesPassesWithAnInterval) {
  // 1.2 s on one CPU; 0.62 on 2 and 0.33 on 4: a serial fraction of about 0.03.
  auto e = scaled({{1, {1.2, 1.21, 1.19}}, {2, {0.62, 0.63, 0.61}}, {4, {0.33, 0.34, 0.32}}});
  auto result = evaluate(scaling_check(0.25), e);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_NEAR(*result.measured, 0.035, 0.01);
  EXPECT_TRUE(result.data.contains("interval"));
  EXPECT_EQ(result.data["points"].size(), 3u);
  EXPECT_NE(result.message.find("<= 0.25 (CPUs 1: 1.00x, 2: 1.94x, 4: 3.64x)"), std::string::npos) << result.message;
}

TEST(Scaling, AProgramThatIgnoresItsCpusFails) {
  auto e = scaled({{1, {1.2, 1.2, 1.2}}, {2, {1.19, 1.2, 1.21}}, {4, {1.2, 1.18, 1.2}}});
  auto result = evaluate(scaling_check(0.25), e);
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_NEAR(*result.measured, 1.0, 0.02);
  EXPECT_NE(result.detail.find("PAREX_CORES"), std::string::npos) << result.detail;
}

TEST(Scaling, TwoPointsAreJudgedWithoutAnIntervalAndSaySo) {
  auto e = scaled({{1, {0.6, 0.6, 0.6}}, {2, {0.31, 0.31, 0.31}}}, 2);
  auto result = evaluate(scaling_check(0.25), e);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_FALSE(result.data.contains("interval"));
  EXPECT_NE(result.message.find("2 points, an interval needs 3"), std::string::npos) << result.message;
}

TEST(Scaling, OneCpuCannotBeJudged) {
  auto result = evaluate(scaling_check(0.25), scaled({{1, {0.6, 0.6}}}, 1));
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_EQ(result.message, "needs 2 CPUs: this machine gives the runs 1");
}

TEST(Speedup, OneCpuCannotBeJudged) {
  auto check = spec(CheckKind::speedup);
  check.efficiency = 0.75;
  auto e = evidence({run_of(0.6)}, {run_of(0.6)});
  e.cores = 1;
  auto result = evaluate(check, e);
  EXPECT_TRUE(result.cannot_judge);  // `error`, never a pass at "0.75x of 1 core"
  EXPECT_EQ(result.message, "needs 2 CPUs: this machine gives the runs 1");
  EXPECT_FALSE(speedup_undecided(check, e));  // no more pairs either
  auto one = evidence({benchmark_output(80e6, 40e6)});
  one.cores = 1;
  EXPECT_TRUE(evaluate(benchmark_check(), one).cannot_judge);
}

TEST(Scaling, AMachineBusyAtSomeCpuCountIsAnErrorNotAFailure) {
  // Beside a busy loop on 2 cores the pool's 2-CPU runs slow to 1.33x: a serial fraction of 0.5, a failure.
  auto e = scaled({{1, {1.2, 1.2, 1.2}}, {2, {0.9, 0.9, 0.9}}}, 2);
  for (auto& run : e.scaling[2]) run = crowded(run, 0.5, 1.0);
  auto result = evaluate(scaling_check(0.25), e);
  EXPECT_TRUE(result.cannot_judge) << result.message;
  EXPECT_TRUE(result.data["machine_busy"].get<bool>());
  // One quiet run at 2 CPUs is enough to judge on, and says what was left out.
  e.scaling[2].push_back(run_of(0.61));
  result = evaluate(scaling_check(0.25), e);
  EXPECT_FALSE(result.cannot_judge);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_NE(result.message.find("3 of 7 runs left out: other processes took over 10% of the full CPUs"),
            std::string::npos)
      << result.message;
}

TEST(Speedup, AnUnreachableBarIsSaidSoEvenOnABusyMachine) {
  auto check = spec(CheckKind::speedup);
  check.at_least = 64;
  parex::Run serial = crowded(run_of(0.6), 0.5, 1.0), parallel = crowded(run_of(0.33), 0.5, 1.0);
  serial.user_s = 0.6;  // CPU-bound
  parallel.user_s = 0.66;
  auto result = evaluate(check, evidence({parallel, parallel}, {serial, serial}));
  EXPECT_TRUE(result.cannot_judge);
  EXPECT_TRUE(result.data["unreachable"].get<bool>()) << result.message;
}

namespace {

// An MPI run of `ranks` ranks: each line printed by the rank given beside it (-1: mpirun's own, no rank).
Run mpi_run(int ranks, std::vector<std::pair<int, std::string>> lines) {
  Run run = run_of(0.5);
  run.ranks = ranks;
  run.peak_processes = ranks + 1;  // mpirun and its ranks
  double t = 0.01;
  for (auto& [rank, text] : lines) {
    run.lines.push_back({t += 0.01, Stream::out, text});
    if (rank >= 0) run.lines.back().rank = rank;
  }
  return run;
}

}  // namespace

TEST(Mpi, InOrderWithARankComparesThatRanksLinesOnly) {
  auto check = spec(CheckKind::in_order);
  check.pattern = "^step";
  check.rank = 1;
  // The serial baseline ran one rank: its lines are every rank's reference.
  const parex::Run serial = mpi_run(1, {{0, "step 1"}, {0, "step 2"}});
  const parex::Run right = mpi_run(2, {{0, "step 2"}, {1, "step 1"}, {0, "step 1"}, {1, "step 2"}});
  const parex::Run wrong = mpi_run(2, {{1, "step 2"}, {0, "step 1"}, {0, "step 2"}, {1, "step 1"}});
  EXPECT_TRUE(evaluate(check, evidence({right}, {serial})).passed);
  auto result = evaluate(check, evidence({wrong}, {serial}));
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.message, "run 1: rank 1's line 1 of /^step/ is 'step 2', expected 'step 1'");
  check.rank.reset();  // without it, both ranks' lines together: out of order in both runs
  EXPECT_FALSE(evaluate(check, evidence({right}, {serial})).passed);
}

TEST(Mpi, FilecheckWithARankReadsThatRanksLines) {
  auto check = spec(CheckKind::filecheck);
  check.text = "CHECK: worker 1 ready\nCHECK-NOT: worker 0\n";
  check.rank = 1;
  const parex::Run run = mpi_run(2, {{0, "worker 0 ready"}, {1, "worker 1 ready"}, {-1, "mpirun: note"}});
  auto result = evaluate(check, evidence({run}));
  EXPECT_TRUE(result.passed) << result.message << result.detail;
  check.rank = 0;
  result = evaluate(check, evidence({run}));
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.detail.find("run-1.rank-0.stdout"), std::string::npos) << result.detail;
}

TEST(Mpi, ProcessesCountsTheRanksNotMpirun) {
  auto check = spec(CheckKind::processes);
  check.min_peak = 2;
  Evidence two = evidence({mpi_run(2, {})});
  two.ranks = 2;
  auto result = evaluate(check, two);
  EXPECT_TRUE(result.passed) << result.message;
  EXPECT_EQ(result.data["peaks"], nlohmann::json::array({2}));
  Evidence one = evidence({mpi_run(1, {})});  // mpirun and one rank: two processes, one of them the program's
  one.ranks = 1;
  result = evaluate(check, one);
  EXPECT_FALSE(result.passed) << result.message;
  EXPECT_EQ(result.message, "run 1: at most 1 process(es) at once, fewer than 2");
}

TEST(Mpi, ASpeedupWithoutWorkersCountsTheRanks) {
  auto check = spec(CheckKind::speedup);
  check.efficiency = 0.75;
  Evidence e = evidence({run_of(0.4)}, {run_of(0.64)});
  e.cores = 16;
  e.ranks = 2;  // two ranks on 16 cores: 1.5x, not 12x
  EXPECT_DOUBLE_EQ(*evaluate(check, e).threshold, 1.5);
  e.ranks = 0;
  EXPECT_DOUBLE_EQ(*evaluate(check, e).threshold, 12);
  e.ranks = 4;
  check.workers = 3;  // a check's own workers win
  EXPECT_DOUBLE_EQ(*evaluate(check, e).threshold, 2.25);
}
