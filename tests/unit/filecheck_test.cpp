// The FileCheck matcher: verdicts per directive (LLVM agreement is tests/filecheck/differential.py's job)
// and the diagnostics a learner reads.
#include <random>

#include <gtest/gtest.h>

#include "match/filecheck.hpp"

using parex::filecheck::Status;

namespace {

parex::filecheck::Outcome check(std::string_view checks, std::string_view input) {
  parex::filecheck::Options options;
  options.check_name = "case.toml";
  options.input_name = "run-1.stdout";
  return parex::filecheck::run(checks, input, options);
}

}  // namespace

TEST(FileCheck, EachDirectivePassesAndFails) {
  struct Case {
    const char *checks, *pass, *fail;
  } cases[] = {
      {"CHECK: b\n", "a b\n", "a c\n"},
      {"CHECK: a\nCHECK-NEXT: b\n", "a\nb\n", "a\nx\nb\n"},
      {"CHECK: a\nCHECK-SAME: b\n", "a b\n", "a\nb\n"},
      {"CHECK: a\nCHECK-NOT: x\nCHECK: b\n", "a\nb\n", "a\nx\nb\n"},
      {"CHECK-DAG: b\nCHECK-DAG: a\n", "a\nb\n", "a\nc\n"},
      {"CHECK-LABEL: f\nCHECK: r\nCHECK-LABEL: g\n", "f\nr\ng\n", "f\ng\nr\n"},
      {"CHECK: a\nCHECK-EMPTY:\n", "a\n\n", "a\nb\n"},
      {"CHECK-COUNT-2: t\n", "t\nt\n", "t\n"},
      {"CHECK: n={{[0-9]+}}\n", "n=42\n", "n=x\n"},
      {"CHECK: [[P:[0-9]+]]\nCHECK: again [[P]]\n", "7\nagain 7\n", "7\nagain 8\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(check(c.checks, c.pass).status, Status::match) << c.checks << "on\n" << c.pass;
    EXPECT_EQ(check(c.checks, c.fail).status, Status::mismatch) << c.checks << "on\n" << c.fail;
  }
}

TEST(FileCheck, WhitespaceIsCanonicalised) { EXPECT_EQ(check("CHECK: a  b\n", "a\t \tb\n").status, Status::match); }

TEST(FileCheck, InvalidCheckTexts) {
  EXPECT_EQ(check("CHECK-NEXT: a\n", "a\n").status, Status::invalid_checks);
  EXPECT_EQ(check("no directives\n", "a\n").status, Status::invalid_checks);
  EXPECT_EQ(check("CHECK:\n", "a\n").status, Status::invalid_checks);
  EXPECT_EQ(check("CHECK: {{a\n", "a\n").status, Status::invalid_checks);
  EXPECT_EQ(check("CHECK-COUNT-0: a\n", "a\n").status, Status::invalid_checks);
  auto empty = check("CHECK: a\n", "");
  EXPECT_EQ(empty.status, Status::invalid_checks);
  EXPECT_NE(empty.diagnostic.find("'run-1.stdout' is empty"), std::string::npos);
}

// What catalog validation uses: the text alone, with no input to match, says the same as run about the text.
TEST(FileCheck, ValidateReadsTheCheckTextAlone) {
  for (const char* bad : {"CHECK-NEXT: a\n", "no directives\n", "CHECK:\n", "CHECK: {{a\n", "CHECK-COUNT-0: a\n"})
    EXPECT_EQ(parex::filecheck::validate(bad).status, Status::invalid_checks) << bad;
  for (const char* good : {"CHECK: a\n", "CHECK: a\nCHECK-NEXT: b\n", "CHECK: [[P:[0-9]+]]\nCHECK: [[P]]\n"})
    EXPECT_EQ(parex::filecheck::validate(good).status, Status::match) << good;
  const auto shifted =
      parex::filecheck::validate("CHECK: a\nCHECK: {{b\n", {.check_name = "case.toml", .line_offset = 10});
  EXPECT_EQ(shifted.check_line, 12);
  EXPECT_NE(shifted.diagnostic.find("case.toml:12:"), std::string::npos) << shifted.diagnostic;
  EXPECT_EQ(parex::filecheck::validate("CHECK: pid {{\\d+}}\n").warnings.size(), 1u);
}

TEST(FileCheck, NotFoundShowsDirectiveScanStartAndNearMiss) {
  auto outcome = check("CHECK: square 4\nCHECK: cube 27\n", "square 4\ncube 8\ncube 72\n");
  ASSERT_EQ(outcome.status, Status::mismatch);
  EXPECT_EQ(outcome.check_line, 2);
  const auto& d = outcome.diagnostic;
  EXPECT_NE(d.find("case.toml:2:8: error: CHECK: expected string not found in input"), std::string::npos) << d;
  EXPECT_NE(d.find("CHECK: cube 27\n       ^"), std::string::npos) << d;
  EXPECT_NE(d.find("run-1.stdout:1:9: note: scanning from here"), std::string::npos) << d;
  // As LLVM's FileCheck: of equally close lines, the first.
  EXPECT_NE(d.find("run-1.stdout:2:1: note: possible intended match here\ncube 8"), std::string::npos) << d;
  EXPECT_NE(d.find(">     1: square 4\n      2: cube 8\n      3: cube 72"), std::string::npos)
      << d;  // the annotated input
  EXPECT_EQ(outcome.summary, "CHECK: expected string not found in input: cube 27 (line 2)");
}

TEST(FileCheck, NextOnWrongLineSaysWhereBothMatchesAre) {
  auto outcome = check("CHECK: a\nCHECK-NEXT: b\n", "a\nx\nb\n");
  const auto& d = outcome.diagnostic;
  EXPECT_NE(d.find("error: CHECK-NEXT: is not on the line after the previous match"), std::string::npos) << d;
  EXPECT_NE(d.find("run-1.stdout:3:1: note: 'CHECK-NEXT' match was here"), std::string::npos) << d;
  EXPECT_NE(d.find("note: previous match ended here"), std::string::npos) << d;
}

TEST(FileCheck, NotFoundHereIsUnderlined) {
  auto outcome = check("CHECK: a\nCHECK-NOT: error\nCHECK: b\n", "a\nerror: boom\nb\n");
  EXPECT_NE(outcome.diagnostic.find("CHECK-NOT: excluded string found in input"), std::string::npos);
  EXPECT_NE(outcome.diagnostic.find("note: found here\nerror: boom\n^~~~~"), std::string::npos) << outcome.diagnostic;
}

TEST(FileCheck, UndefinedVariableIsNamed) {
  auto outcome = check("CHECK: x [[PID]]\n", "x 1\n");
  EXPECT_EQ(outcome.status, Status::mismatch);
  EXPECT_NE(outcome.diagnostic.find("uses undefined variable(s): \"PID\""), std::string::npos);
}

// Random check texts and inputs, brace soup included: never a crash, a hang or an escaping exception.
TEST(FileCheckFuzz, RandomTextsNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "CHECK-NEXTSAMDGLBUOY:{}[]$#^.*+?()|\\ \t\nab01";
  auto text = [&](int max) {
    std::string out;
    std::uniform_int_distribution<int> length(0, max), letter(0, static_cast<int>(alphabet.size()) - 1);
    for (int i = length(rng); i > 0; --i) out += alphabet[static_cast<std::size_t>(letter(rng))];
    return out;
  };
  const char* prefixes[] = {
      "CHECK: ", "CHECK-NEXT: ", "CHECK-DAG: ", "CHECK-NOT: ", "CHECK-LABEL: ", "CHECK-EMPTY:", "CHECK-COUNT-2: "};
  for (int i = 0; i < 20000; ++i) {
    std::string checks;
    for (int line = 0; line < 1 + i % 4; ++line) checks += std::string(prefixes[(i + line) % 7]) + text(12) + "\n";
    if (i % 5 == 0) checks = text(40);
    EXPECT_NO_THROW(parex::filecheck::run(checks, text(60))) << checks;
  }
}
