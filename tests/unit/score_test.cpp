// Scoring: points per check, speedup bands, run checks that gate, errors never scored.
#include <gtest/gtest.h>

#include "grade/score.hpp"

using namespace parex;

namespace {

CheckSpec declared(CheckKind kind, double points) {
  CheckSpec check;
  check.kind = kind;
  check.points = points;
  return check;
}

CheckResult verdict(bool passed, bool implicit = false, std::optional<double> measured = {},
                    std::optional<double> threshold = {}) {
  CheckResult result;
  result.name = implicit ? "no timeout" : "check";
  result.passed = passed;
  result.implicit = implicit;
  result.measured = measured;
  result.threshold = threshold;
  result.message = passed ? "ok" : "run 1 timed out";
  return result;
}

}  // namespace

TEST(Score, PointsForEachPassedCheck) {
  CaseSpec spec;
  spec.checks = {declared(CheckKind::same_lines, 2), declared(CheckKind::in_order, 3),
                 declared(CheckKind::isolation, 5)};
  std::vector<CheckResult> checks = {verdict(true), verdict(false), verdict(true), verdict(true, true)};
  auto score = score_checks(spec, checks, false, false);
  ASSERT_TRUE(score.score);
  EXPECT_DOUBLE_EQ(*score.score, 7);
  EXPECT_DOUBLE_EQ(score.max_score, 10);
  EXPECT_EQ(score.summary, "7/10 points");
  EXPECT_DOUBLE_EQ(*checks[1].score, 0);
  EXPECT_DOUBLE_EQ(*checks[2].max_score, 5);
  EXPECT_FALSE(checks[3].max_score) << "run checks carry no points";
}

TEST(Score, AFailedRunCheckZeroesTheCase) {
  // A hang that printed everything, or a starter that does nothing: its checks may pass, it earns nothing.
  CaseSpec spec;
  spec.checks = {declared(CheckKind::filecheck, 4)};
  std::vector<CheckResult> checks = {verdict(true), verdict(false, true)};
  auto score = score_checks(spec, checks, false, false);
  EXPECT_DOUBLE_EQ(*score.score, 0);
  EXPECT_DOUBLE_EQ(*checks[0].score, 0);
  EXPECT_NE(score.gate.find("'no timeout' failed"), std::string::npos) << score.gate;
}

TEST(Score, SpeedupBandsInTheChecksOwnUnit) {
  CheckSpec speedup = declared(CheckKind::speedup, 4);
  speedup.at_least = 1.8;
  speedup.bands = {{1.8, 1.0}, {1.5, 0.5}};
  EXPECT_DOUBLE_EQ(earned_fraction(speedup, verdict(true, false, 1.9, 1.8)), 1.0);
  EXPECT_DOUBLE_EQ(earned_fraction(speedup, verdict(false, false, 1.6, 1.8)), 0.5);
  EXPECT_DOUBLE_EQ(earned_fraction(speedup, verdict(false, false, 1.2, 1.8)), 0.0);
  // efficiency = 0.75 on 4 cores: the bar is 3.0x; a measured 2.4x is efficiency 0.6.
  CheckSpec efficiency = declared(CheckKind::speedup, 2);
  efficiency.efficiency = 0.75;
  efficiency.bands = {{0.75, 1.0}, {0.5, 0.25}};
  EXPECT_DOUBLE_EQ(earned_fraction(efficiency, verdict(false, false, 2.4, 3.0)), 0.25);
  EXPECT_DOUBLE_EQ(earned_fraction(efficiency, verdict(true, false, 3.1, 3.0)), 1.0);
  EXPECT_DOUBLE_EQ(earned_fraction(efficiency, verdict(false, false, 1.0, 3.0)), 0.0);

  CaseSpec spec;
  spec.checks = {speedup};
  std::vector<CheckResult> checks = {verdict(false, false, 1.6, 1.8)};
  EXPECT_EQ(score_checks(spec, checks, false, false).summary, "2/4 points");
}

TEST(Score, ABuildErrorScoresZeroAndAnErrorIsNeverScored) {
  CaseSpec spec;
  spec.checks = {declared(CheckKind::same_lines, 3)};
  std::vector<CheckResult> none;
  auto built = score_checks(spec, none, true, false);
  ASSERT_TRUE(built.score);
  EXPECT_DOUBLE_EQ(*built.score, 0);
  EXPECT_DOUBLE_EQ(built.max_score, 3);
  EXPECT_NE(built.gate.find("did not build"), std::string::npos);
  std::vector<CheckResult> checks = {verdict(false)};
  auto error = score_checks(spec, checks, false, true);
  EXPECT_FALSE(error.score);
  EXPECT_NE(error.summary.find("not scored"), std::string::npos);
}

TEST(Score, HiddenPointsCountAndAreNamed) {
  CaseSpec spec;
  spec.checks = {declared(CheckKind::same_lines, 6), declared(CheckKind::speedup, 4)};
  spec.checks[1].visibility = Visibility::hidden;
  std::vector<CheckResult> checks = {verdict(true), verdict(true)};
  auto score = score_checks(spec, checks, false, false);
  EXPECT_EQ(score.summary, "10/10 points (4 of them in hidden checks)");
  EXPECT_EQ(checks[1].visibility, "hidden");
}
