// The serialising layer: what a program printed, whatever its bytes, ends up in a result file that is valid JSON;
// what a case author wrote (a hint) reaches the result and the console as written, under a failure only.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../utf8.hpp"
#include "grade/baseline_cache.hpp"
#include "report/console.hpp"
#include "report/results.hpp"

using namespace parex;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

VariantResult result_with_lines(std::vector<std::string> texts) {
  VariantResult result;
  result.case_name = "bytes";
  result.variant = "parallel";
  result.status = Status::pass;
  Run run;
  run.variant = "parallel";
  run.exit_code = 0;
  for (auto& text : texts) run.lines.push_back({0.001, Stream::out, std::move(text)});
  result.runs.push_back(std::move(run));
  CheckResult check;
  check.kind = "in_order";
  check.name = "in order /^v/ as serial";
  check.message = "run 1: line 1 of /^v/ is 'value \xff\xfe end', expected 'value 1'";  // diagnostics quote output too
  result.checks.push_back(check);
  return result;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class ResultsFile : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("parex-results-test-" + std::to_string(::getpid()));
  void TearDown() override { fs::remove_all(dir); }
};

}  // namespace

TEST_F(ResultsFile, InvalidUtf8IsWrittenAsReplacementCharacters) {
  fs::path path;
  ASSERT_NO_THROW(path = write_result(result_with_lines({"value \xff\xfe end", "end"}), dir));
  const std::string text = read_file(path);
  EXPECT_TRUE(valid_utf8(text));
  json parsed;
  ASSERT_NO_THROW(parsed = json::parse(text));  // strict: it would throw on invalid UTF-8
  const auto& lines = parsed["runs"][0]["lines"];
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["text"], "value " + kReplacement + kReplacement + " end");
  EXPECT_EQ(lines[1]["text"], "end");
  EXPECT_EQ(parsed["checks"][0]["message"],
            "run 1: line 1 of /^v/ is 'value " + kReplacement + kReplacement + " end', expected 'value 1'");
  EXPECT_EQ(parsed["status"], "pass");
}

TEST_F(ResultsFile, AFailedChecksHintIsWrittenAndReadBackAsItWasAndAPassedCheckHasNone) {
  VariantResult result = result_with_lines({"square 4"});
  const std::string hint =
      "Start **both** `Process`es,\nthen \"join\" both: <b>\u00e9</b> & [more](https://x.org/a?b=1)";
  result.checks[0].hint = hint;
  CheckResult passed;
  passed.kind = "exit";
  passed.name = "exit code 0";
  passed.passed = true;
  result.checks.push_back(passed);
  const json parsed = json::parse(read_file(write_result(result, dir)));
  ASSERT_EQ(parsed["checks"].size(), 2u);
  EXPECT_EQ(parsed["checks"][0]["status"], "fail");
  EXPECT_EQ(parsed["checks"][0]["hint"].get<std::string>(), hint);
  EXPECT_FALSE(parsed["checks"][1].contains("hint")) << parsed["checks"][1].dump();
}

TEST(Console, AFailedCheckShowsTheCasesHintUnderItsDetailLabelledAsTheCases) {
  VariantResult result;
  result.case_name = "square_cube";
  result.variant = "starter";
  result.status = Status::fail;
  CheckResult failed;
  failed.kind = "interleaved";
  failed.name = "interleaved /^square/ /^cube/";
  failed.message = "run 1: overlap 0%";
  failed.detail = "hint: one finished before the other started";
  failed.hint = "`start()` both\nbefore you `join()` either \x1b[2J";
  CheckResult passed;
  passed.kind = "exit";
  passed.name = "exit code 0";
  passed.passed = true;
  passed.hint = "never shown under a pass";
  result.checks = {failed, passed};
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = ::open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  print_result(out, result, {.colour = false, .verbose = true});
  std::fclose(out);
  const std::string text(buffer, size);
  std::free(buffer);
  EXPECT_NE(text.find("        hint: one finished before the other started\n"
                      "        hint (from the case): `start()` both\n"
                      "        before you `join()` either \\x1b[2J\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("never shown"), std::string::npos) << text;
}

TEST(DumpJson, ReplacesEachBadSequenceAndKeepsTheRest) {
  const std::string valid = "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80";  // é, →, 😀: untouched
  const json doc = {
      {"valid", valid},
      {"overlong", "overlong \xC0\xAF slash"},     // "/" in two bytes: neither byte may start a character
      {"truncated_inside", "euro \xE2\x82 sign"},  // "€" missing its last byte, then more text
      {"truncated_at_end", "euro \xE2\x82"},       // ... at the very end of the string
      {"surrogate", "\xED\xA0\x80"},               // U+D800 is no character
      {"nul", std::string("nul:\0\0:lun", 10)},    // NUL is valid UTF-8: kept, as \u0000
  };
  const std::string text = dump_json(doc);
  EXPECT_TRUE(valid_utf8(text)) << text;
  const json parsed = json::parse(text);
  EXPECT_EQ(parsed["valid"], valid);
  EXPECT_EQ(parsed["overlong"], "overlong " + kReplacement + kReplacement + " slash");
  EXPECT_EQ(parsed["truncated_inside"], "euro " + kReplacement + " sign");
  EXPECT_EQ(parsed["truncated_at_end"], "euro " + kReplacement);
  EXPECT_EQ(parsed["nul"], std::string("nul:\0\0:lun", 10));
  EXPECT_NE(text.find("nul:\\u0000\\u0000:lun"), std::string::npos) << text;
  EXPECT_NE(parsed["surrogate"].get<std::string>().find(kReplacement), std::string::npos);
  EXPECT_TRUE(valid_utf8(parsed["surrogate"].get<std::string>()));
}

TEST(DumpJson, IndentsLikeDump) {
  const json doc = {{"a", 1}, {"b", {1, 2}}};
  EXPECT_EQ(dump_json(doc), doc.dump());
  EXPECT_EQ(dump_json(doc, 1), doc.dump(1));
}

TEST(RunJson, AFloodKeepsItsFirstAndLastLinesAndCountsTheRest) {
  parex::Run flood;
  flood.outcome = Outcome::output_limit;
  for (int i = 0; i < 5000; ++i) flood.lines.push_back({0.001 * i, Stream::out, "flood " + std::to_string(i)});
  json written = to_json(flood);
  ASSERT_EQ(written["lines"].size(), 2000u);
  EXPECT_EQ(written["lines_omitted"], 3000);
  EXPECT_EQ(written["lines"][999]["text"], "flood 999");
  EXPECT_EQ(written["lines"][1000]["text"], "flood 4000");
  // A run that ended on its own keeps every line, however many.
  parex::Run many = flood;
  many.outcome = Outcome::ok;
  json kept = to_json(many);
  EXPECT_EQ(kept["lines"].size(), 5000u);
  EXPECT_FALSE(kept.contains("lines_omitted"));
}

TEST(RunJson, AFloodKeepsItsFirstAndLastProbeRecordsAndCountsTheRest) {
  parex::Run flood;
  flood.outcome = Outcome::output_limit;
  flood.probe_bytes = 5000 * 80;
  for (int i = 0; i < 5000; ++i) flood.probes.push_back({0.001 * i, 2, 2, "flood", std::to_string(i)});
  json written = to_json(flood);
  ASSERT_EQ(written["probes"].size(), 2000u);
  EXPECT_EQ(written["probes_omitted"], 3000);
  EXPECT_EQ(written["probe_bytes"], 400000);
  EXPECT_EQ(written["probes"][999]["value"], "999");
  EXPECT_EQ(written["probes"][1000]["value"], "4000");
  EXPECT_FALSE(written.contains("lines_omitted"));
  // A run that ended on its own keeps every record (the runner's limit bounds them).
  parex::Run many = flood;
  many.outcome = Outcome::ok;
  json kept = to_json(many);
  EXPECT_EQ(kept["probes"].size(), 5000u);
  EXPECT_FALSE(kept.contains("probes_omitted"));
}

// A baseline run recorded for another grade to reuse reads back as the checks saw it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // designated: the members not named keep their defaults
TEST(RunJson, ARunReadsBackAsItWasWritten) {
  parex::Run run{.variant = "serial",
                 .role = Role::baseline,
                 .index = 2,
                 .pid = 2,
                 .host_pid = 4711,
                 .wall_s = 1.25,
                 .user_s = 0.5,
                 .sys_s = 0.125,
                 .exit_code = 3,
                 .outcome = Outcome::exit_nonzero,
                 .processes_created = 3,
                 .peak_processes = 2,
                 .stolen_share = 0.012,
                 .foreign_share = 0.25};
  run.lines = {{0.1, Stream::out, "square 4"}, {0.2, Stream::err, "warning"}};
  run.probes.push_back({0.15, 4712, 4712, "task_start", "square", 0, 0.16});
  run.probe_bytes = 123;
  run.leaked.push_back({4713, "sleep 9"});
  run.reused_from = "square_cube/parallel";
  run.seed = (std::uint64_t{1} << 53) - 1;  // the largest seed the runner draws: JSON's doubles hold it exactly
  const std::optional<parex::Run> back = run_from_json(to_json(run));
  ASSERT_TRUE(back);
  EXPECT_EQ(to_json(*back), to_json(run));
  EXPECT_EQ(to_json(run)["inputs"]["seed"], 9007199254740991u);
  EXPECT_EQ(back->seed, run.seed);
  EXPECT_EQ(back->role, Role::baseline);
  EXPECT_EQ(back->outcome, Outcome::exit_nonzero);
  EXPECT_EQ(back->lines[1].stream, Stream::err);
  run.role = Role::races;  // a races check's run of the TSan build
  EXPECT_EQ(to_json(run)["role"], "races");
  EXPECT_EQ(run_from_json(to_json(run))->role, Role::races);

  nlohmann::json killed = to_json(run);
  killed["signal"] = "SIGKILL";
  EXPECT_EQ(run_from_json(killed)->signal, 9);
  for (const char* broken : {"outcome", "lines", "wall_s"}) {
    nlohmann::json json = to_json(run);
    if (std::string(broken) == "outcome")
      json[broken] = "vanished";
    else
      json.erase(broken);
    EXPECT_FALSE(run_from_json(json)) << broken;
  }
}
#pragma GCC diagnostic pop

// A recorded baseline is read back under its own key only, while it is recent, and never when it is not one.
TEST(RecordedBaseline, IsReusedUnderItsOwnKeyOnlyAndWhileRecent) {
  const fs::path dir = fs::temp_directory_path() / ("parex-recorded-" + std::to_string(::getpid()));
  parex::Run run;
  run.variant = "serial";
  run.role = Role::baseline;
  run.lines = {{0.1, Stream::out, "A 1"}};
  record_baseline(dir, "serial", "key-1", "twotasks/parallel", {run, run});
  auto recorded = load_recorded_baseline(dir, "serial", "key-1", 600);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->from, "twotasks/parallel");
  ASSERT_EQ(recorded->runs.size(), 2u);
  EXPECT_EQ(recorded->runs[0].lines[0].text, "A 1");
  EXPECT_FALSE(load_recorded_baseline(dir, "serial", "key-2", 600)) << "another key";
  EXPECT_FALSE(load_recorded_baseline(dir, "other", "key-1", 600)) << "another baseline";
  EXPECT_FALSE(load_recorded_baseline(dir, "serial", "key-1", 0)) << "too old";
  parex::Run graded = run;
  graded.role = Role::graded;
  record_baseline(dir, "serial", "key-1", "twotasks/parallel", {graded});
  EXPECT_FALSE(load_recorded_baseline(dir, "serial", "key-1", 600)) << "a graded run is no baseline run";
  std::ofstream(dir / "serial.json") << "{\"schema\": \"parex-baseline-runs/1\", \"key\": \"key-1\", \"runs\": [";
  EXPECT_FALSE(load_recorded_baseline(dir, "serial", "key-1", 600)) << "half a file";
  fs::remove_all(dir);
}

TEST(Results, AnMpiRunsRanksAndItsLinesRanksRoundTrip) {
  parex::Run run;
  run.ranks = 2;
  run.exit_code = 0;
  run.lines = {{0.1, Stream::out, "sum 3"}, {0.2, Stream::err, "mpirun: note"}};
  run.lines[0].rank = 1;
  const nlohmann::json json = to_json(run);
  EXPECT_EQ(json["ranks"], 2);
  EXPECT_EQ(json["lines"][0]["rank"], 1);
  EXPECT_FALSE(json["lines"][1].contains("rank"));
  const auto back = run_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ranks, 2);
  EXPECT_EQ(back->lines[0].rank, 1);
  EXPECT_FALSE(back->lines[1].rank);
  EXPECT_FALSE(to_json(parex::Run{}).contains("ranks"));
}
