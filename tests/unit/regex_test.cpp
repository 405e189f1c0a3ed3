// The regex module: RE2 over bytes for the catalog's patterns, LLVM's ERE translated for FileCheck's, and
// inputs that crashed or stalled std::regex. Times are the benchmark's (tests/bench/regex_bench.cpp).
#include <random>

#include <gtest/gtest.h>

#include "match/filecheck.hpp"
#include "match/posix_ere.hpp"
#include "match/regex.hpp"

namespace regex = parex::regex;
using parex::filecheck::Status;

TEST(Regex, SearchesAnywhereInTheLine) {
  regex::Pattern square("^square [0-9]+$");
  ASSERT_TRUE(square.ok()) << square.error();
  EXPECT_TRUE(square.search("square 16"));
  EXPECT_FALSE(square.search("a square 16"));
  EXPECT_TRUE(regex::Pattern(R"(\d+)").search("cube 27"));
  EXPECT_FALSE(regex::Pattern(R"(\d+)").search("cube"));
}

TEST(Regex, MatchesBytesNotUtf8) {
  // Invalid UTF-8, NUL bytes and Latin-1 are all characters: '.' takes any byte but a newline.
  const std::string bad = "value \xff\xfe end";
  EXPECT_TRUE(regex::Pattern("^value .. end$").search(bad));
  EXPECT_TRUE(regex::Pattern("^nul:.*:lun$").search(std::string("nul:\0\0\0:lun", 11)));
  EXPECT_TRUE(regex::Pattern("^caf..$").search("caf\xc3\xa9"));  // é is two bytes
  EXPECT_TRUE(regex::Pattern("café").search("un café"));
}

TEST(Regex, RefusesWhatRe2CannotDoWithAdvice) {
  struct Case {
    const char *pattern, *advice;
  } cases[] = {
      {"a(?=b)", "no lookahead"}, {"(?<!x)y", "no lookbehind"}, {R"((a)\1)", "no backreferences"},
      {"a++", "no possessive"},   {"(unclosed", "missing )"},
  };
  for (const auto& c : cases) {
    auto refused = regex::validate(c.pattern);
    ASSERT_TRUE(refused) << c.pattern;
    EXPECT_NE(refused->find(c.advice), std::string::npos) << c.pattern << ": " << *refused;
  }
  EXPECT_FALSE(regex::validate("^(square|cube) [0-9]+$"));
}

TEST(Regex, APatternOverTheMemoryBudgetIsRefusedNotRun) {
  auto refused = regex::validate("((((a{100}){100}){100}){100})");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("repetition"), std::string::npos) << *refused;
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "(?:[a-z]|[0-9]x){1000}";  // ~3000 instructions each
  auto huge = regex::validate(many);
  ASSERT_TRUE(huge);
  EXPECT_NE(huge->find("too large"), std::string::npos) << *huge;
}

TEST(Regex, FindReportsGroupsAndKeepsContext) {
  regex::Pattern pid("pid ([0-9]+)( joined)?");
  auto found = pid.find("x pid 42 y");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->whole.pos, 2u);
  ASSERT_EQ(found->groups.size(), 2u);
  EXPECT_EQ(found->groups[0]->pos, 6u);
  EXPECT_EQ(found->groups[0]->len, 2u);
  EXPECT_FALSE(found->groups[1]);
  // ^ looks at the text before `from`: "b" at 2 is not at a line start, "b" at 4 is.
  regex::Pattern line_start("^b", {.multi_line = true});
  auto at = line_start.find("a b\nb", 1, 5);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->whole.pos, 4u);
}

TEST(Regex, LongestMatchIsLeftmostLongest) {
  auto first = regex::Pattern("a|ab").find("abc");
  auto longest = regex::Pattern("a|ab", {.longest_match = true}).find("abc");
  ASSERT_TRUE(first && longest);
  EXPECT_EQ(first->whole.len, 1u);
  EXPECT_EQ(longest->whole.len, 2u);
}

TEST(Regex, ExcerptCutsHugeTextInTheMiddle) {
  EXPECT_EQ(regex::excerpt("short"), "short");
  const std::string huge = "result: " + std::string(1 << 20, 'x') + " done";
  auto cut = regex::excerpt(huge, 100);
  EXPECT_LT(cut.size(), 140u);
  EXPECT_EQ(cut.substr(0, 8), "result: ");
  EXPECT_EQ(cut.substr(cut.size() - 5), " done");
  EXPECT_NE(cut.find("bytes ...]"), std::string::npos);
}

// ---- LLVM FileCheck's dialect, translated (the differential test compares with LLVM itself) ----

std::string translated(std::string_view ere) { return regex::translate_filecheck(ere).re2; }
std::string refused(std::string_view ere) { return regex::translate_filecheck(ere).error; }

TEST(FileCheckDialect, EscapesAreTheLettersThemselvesAndWarn) {
  auto digit = regex::translate_filecheck(R"(\d+)");
  ASSERT_TRUE(digit.error.empty());
  regex::Pattern pattern(digit.re2);
  EXPECT_TRUE(pattern.search("ddd"));
  EXPECT_FALSE(pattern.search("123"));
  ASSERT_EQ(digit.warnings.size(), 1u);
  EXPECT_EQ(digit.warnings[0].offset, 0u);
  EXPECT_EQ(digit.warnings[0].message, "LLVM FileCheck reads \\d as 'd'; use [0-9]");
  EXPECT_TRUE(regex::Pattern(translated(R"(\.\*\[)")).search(".*["));
  EXPECT_TRUE(regex::translate_filecheck(R"(\.)").warnings.empty());
}

TEST(FileCheckDialect, BracketsArePosix) {
  regex::Pattern backslash_or_d(translated(R"([\d])"));
  EXPECT_TRUE(backslash_or_d.search("\\"));
  EXPECT_TRUE(backslash_or_d.search("d"));
  EXPECT_FALSE(backslash_or_d.search("5"));
  regex::Pattern classes(translated("^[[:alpha:]_][[:alnum:]]*$"));
  EXPECT_TRUE(classes.search("_x1"));
  EXPECT_FALSE(classes.search("1x"));
  EXPECT_TRUE(regex::Pattern(translated("[]a]")).search("]"));
  EXPECT_TRUE(regex::Pattern(translated("[[.hyphen.]]")).search("-"));
  // A negated list never matches a newline (REG_NEWLINE); [[:space:]] does.
  EXPECT_FALSE(regex::Pattern(translated("a[^x]b")).search("a\nb"));
  EXPECT_TRUE(regex::Pattern(translated("a[[:space:]]b")).search("a\nb"));
  EXPECT_EQ(refused("[[:word:]]"), "invalid character class");
  EXPECT_EQ(refused("[c-a]"), "invalid character range");
  EXPECT_EQ(refused("[a"), "brackets ([ ]) not balanced");
}

TEST(FileCheckDialect, RepeatsAndBraces) {
  EXPECT_TRUE(regex::Pattern(translated("^a{,2}$")).search("a{,2}"));  // not a repeat: literal text
  EXPECT_TRUE(regex::Pattern(translated("^xa{2}y$")).search("xaay"));
  EXPECT_EQ(refused("a{256}"), "invalid repetition count(s)");
  EXPECT_EQ(refused("a{2"), "braces not balanced");
  EXPECT_EQ(refused("a**"), "repetition-operator operand invalid");
  EXPECT_EQ(refused("a+?"), "repetition-operator operand invalid");
  EXPECT_EQ(refused("(?:a)"), "repetition-operator operand invalid");
  EXPECT_EQ(refused("^*a"), "repetition-operator operand invalid");
  EXPECT_EQ(refused("a|"), "empty (sub)expression");
  EXPECT_EQ(refused(""), "empty (sub)expression");
  EXPECT_EQ(refused("a)"), "parentheses not balanced");
  EXPECT_TRUE(refused("()").empty());
  EXPECT_TRUE(refused("a$*").empty());
}

TEST(FileCheckDialect, WordAnchorsWhereRe2CanSayThem) {
  regex::Pattern start(translated("[[:<:]]a"));
  EXPECT_TRUE(start.search("b a"));
  EXPECT_FALSE(start.search("ba"));
  EXPECT_TRUE(regex::Pattern(translated("a[[:>:]]")).search("a-"));
  EXPECT_FALSE(regex::Pattern(translated("a[[:>:]]")).search("a_"));
  EXPECT_NE(refused("[[:<:]](a)").find("supported only"), std::string::npos);
  EXPECT_NE(refused("a*[[:>:]]").find("supported only"), std::string::npos);
}

TEST(FileCheckDialect, BackreferencesAreRefusedWithAWayOut) {
  EXPECT_NE(refused(R"((a)\1)").find("[[VAR"), std::string::npos);
}

// ---- What crashed or stalled the runner with std::regex ----

TEST(FileCheckRobustness, AGreedyPatternOnAHugeLineMatches) {
  const std::string line = "result: " + std::string(std::size_t{4} << 20, 'x') + " done\n";
  EXPECT_EQ(parex::filecheck::run("CHECK: {{.*}}done\n", line).status, Status::match);
  EXPECT_EQ(parex::filecheck::run("CHECK: result: {{.*}}\n", line).status, Status::match);
  auto missing = parex::filecheck::run("CHECK: result: {{.*}}y done\n", line);
  EXPECT_EQ(missing.status, Status::mismatch);
  EXPECT_LT(missing.diagnostic.size(), 4096u) << "a diagnostic quotes a window of the line, not all of it";
}

TEST(FileCheckRobustness, NestedRepeatsDoNotBacktrack) {
  // std::regex took 6.3 s on 26 'a's and doubled with each more; RE2 is linear.
  const std::string line = std::string(100000, 'a') + "\n";
  EXPECT_EQ(parex::filecheck::run("CHECK: {{(a+)+b}}\n", line).status, Status::mismatch);
  EXPECT_TRUE(regex::Pattern("(a+)+b").search(std::string(100000, 'a') + "b"));
}

TEST(FileCheckRobustness, AVariableOnItsOwnLineIsMatchedAsABackreference) {
  EXPECT_EQ(parex::filecheck::run("CHECK: [[X:[a-z]+]]-[[X]]\n", "ab-ac xy-xy\n").status, Status::match);
  EXPECT_EQ(
      parex::filecheck::run("CHECK: [[X:[a-z]+]]-[[X]]\nCHECK-NEXT: {{^}}[[X]]{{$}}\n", "ab-ac xy-xy\nxy\n").status,
      Status::match);
  EXPECT_EQ(parex::filecheck::run("CHECK: [[X:[a-z]+]]-[[X]]\n", "ab-ac\n").status, Status::mismatch);
  // Too many values to try is a mismatch that says so, in bounded time.
  auto wide = parex::filecheck::run("CHECK: [[X:.*]]-[[X]]!\n", std::string(5000, 'a') + "-b!\n");
  EXPECT_EQ(wide.status, Status::mismatch);
  EXPECT_NE(wide.diagnostic.find("too many values"), std::string::npos) << wide.diagnostic;
}

// Random patterns over random lines up to 1 MiB: nothing crashes (run under ASan by the asan preset). It
// asserts no time: time is the benchmark's.
TEST(RegexFuzz, RandomPatternsOverRandomLines) {
  std::mt19937 rng(20261126);
  const std::vector<std::string> atoms = {
      "a", "b", ".",       "x",       "[ab]", "[^a]",  "[[:alpha:]]", "[[:space:]]", "\\d",   "(",   ")",
      "|", "*", "+",       "?",       "{2}",  "{1,3}", "^",           "$",           "{",     "}",   "\\",
      "[", "]", "[[:<:]]", "[[:>:]]", "\\1",  "{{",    "[[X:",        "]]",          "[[X]]", "\xff"};
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  auto random_line = [&](std::size_t size) {
    std::string line(size, 'a');
    const std::string alphabet = std::string("ab x-_\t\xff\xfe", 9) + std::string(1, '\0');
    for (auto& c : line) c = alphabet[pick(alphabet.size())];
    return line;
  };
  int compiled = 0;
  for (int round = 0; round < 300; ++round) {
    std::string ere;
    for (std::size_t n = 1 + pick(8); n > 0; --n) ere += atoms[pick(atoms.size())];
    const std::size_t size = round % 50 == 0 ? (std::size_t{1} << 20) : pick(2000);
    const std::string line = random_line(size);
    auto translation = regex::translate_filecheck(ere);
    if (translation.error.empty()) {
      ++compiled;
      regex::Pattern pattern(translation.re2, {.longest_match = true, .multi_line = true});
      ASSERT_TRUE(pattern.ok()) << ere << " -> " << translation.re2 << ": " << pattern.error();
      (void)pattern.find(line);
    }
    regex::Pattern as_re2(ere);  // the same text as an RE2 pattern: valid or refused, never a crash
    (void)as_re2.search(line);
    (void)parex::filecheck::run("CHECK: " + ere + "\nCHECK-NEXT: {{.*}}\n", line + "\n" + line.substr(0, 100) + "\n");
  }
  EXPECT_GT(compiled, 30) << "the generator should produce enough valid patterns";
}
