// Output checks: the same lines as a baseline, the lines of a pattern in its order, interleaved output of
// patterns in time, and FileCheck directives over a stream.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/internal.hpp"
#include "match/filecheck.hpp"
#include "match/regex.hpp"

namespace parex {
namespace {

// A line for a message: tabs as spaces, a huge line cut down to its ends.
std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : regex::excerpt(text)) out += c == '\t' ? ' ' : c;
  return out + "'";
}

std::vector<std::string> filtered_stdout(const Run& run, const std::string& ignore, std::optional<int> rank = {}) {
  auto lines = stdout_lines(run, rank);
  if (ignore.empty()) return lines;
  const regex::Pattern skip(ignore);
  std::erase_if(lines, [&](const std::string& line) { return skip.search(line); });
  return lines;
}

// A pattern RE2 refuses. The catalog validates every pattern with the same engine and options, so only a
// check built around the catalog gets here; it is the author's to fix, never the program's fault.
std::optional<CheckResult> refused_pattern(CheckResult result, const std::vector<const regex::Pattern*>& patterns) {
  for (const auto* pattern : patterns) {
    if (pattern->ok()) continue;
    result.passed = false;
    result.cannot_judge = true;
    result.message = fmt::format("bad regex /{}/: {}", pattern->source(), pattern->error());
    return result;
  }
  return std::nullopt;
}

// The baseline run of graded run r's own pair (the last one when the baselines ran fewer): with [inputs] the two
// ran on the same seed, so their outputs compare.
const Run& pair_of(const std::vector<Run>& baseline, std::size_t r) {
  return baseline[std::min(r, baseline.size() - 1)];
}

// " on the same seed 1234" when the pair ran with one, for a diagnostic's first line; "" otherwise.
std::string same_input(const std::vector<Run>& baseline, std::size_t r, const Run& graded) {
  const Run& paired = pair_of(baseline, r);
  if (!graded.seed) return "";
  if (paired.seed == graded.seed) return fmt::format(" (its pair, on the same seed {})", *graded.seed);
  return fmt::format(" (seed {}, the baseline's {})", *graded.seed,
                     paired.seed ? std::to_string(*paired.seed) : std::string("none"));
}

}  // namespace

CheckResult check_same_lines(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline || evidence.graded.empty()) return fail_without_runs(result, "runs");
  if (const regex::Pattern skip(check.ignore); !skip.ok()) return *refused_pattern(result, {&skip});
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    std::map<std::string, int> expected, got;
    for (const auto& line : filtered_stdout(pair_of(*baseline, r), check.ignore)) ++expected[line];
    for (const auto& line : filtered_stdout(evidence.graded[r], check.ignore)) ++got[line];
    if (got == expected) continue;
    result.passed = false;
    std::vector<std::string> missing, extra, duplicated;
    for (const auto& [line, count] : expected)
      if (got[line] < count)
        missing.push_back(fmt::format("  - {} ({}x expected, {}x printed)", quote(line), count, got[line]));
    for (const auto& [line, count] : got) {
      int want = expected.contains(line) ? expected.at(line) : 0;
      if (count <= want) continue;
      extra.push_back(fmt::format("  + {} ({}x printed, {}x expected)", quote(line), count, want));
      if (want > 0 && count % want == 0) duplicated.push_back(line);
    }
    result.message = fmt::format("run {}: {} line(s) missing, {} unexpected", r + 1, missing.size(), extra.size());
    result.detail = fmt::format("stdout of run {} differs from '{}'{} as a multiset of lines{}", r + 1, check.baseline,
                                same_input(*baseline, r, evidence.graded[r]),
                                check.ignore.empty() ? "" : fmt::format(" (ignoring /{}/)", check.ignore));
    if (!missing.empty()) result.detail += fmt::format("\nmissing:\n{}", fmt::join(missing, "\n"));
    if (!extra.empty()) result.detail += fmt::format("\nunexpected:\n{}", fmt::join(extra, "\n"));
    if (!duplicated.empty())
      result.detail += fmt::format(
          "\nhint: {} printed a whole multiple of the expected times: output still buffered in stdio when a process "
          "forks is printed again by every copy; flush stdout (std::fflush / print(..., flush=True)) before starting "
          "a process",
          quote(duplicated.front()));
    result.data = {{"run", r}, {"missing", missing.size()}, {"unexpected", extra.size()}};
  }
  if (result.passed)
    result.message = fmt::format("{} line(s), {} run(s)", filtered_stdout(baseline->front(), check.ignore).size(),
                                 evidence.graded.size());
  return result;
}

CheckResult check_in_order(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline || evidence.graded.empty()) return fail_without_runs(result, "runs");
  const regex::Pattern pattern(check.pattern), skip(check.ignore);
  if (auto refused = refused_pattern(result, {&pattern, &skip})) return *refused;
  auto matching = [&](const Run& run) {
    std::vector<std::string> out;
    for (const auto& line : filtered_stdout(run, check.ignore, check.rank))
      if (pattern.search(line)) out.push_back(line);
    return out;
  };
  const auto first = matching(baseline->front());
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    const auto expected = matching(pair_of(*baseline, r));
    auto got = matching(evidence.graded[r]);
    if (got == expected) continue;
    result.passed = false;
    std::size_t at = 0;
    while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
    auto show = [&](const std::vector<std::string>& lines, std::size_t i) {
      return i < lines.size() ? quote(lines[i]) : std::string("(nothing)");
    };
    result.message = fmt::format("run {}: {}line {} of /{}/ is {}, expected {}", r + 1,
                                 check.rank ? fmt::format("rank {}'s ", *check.rank) : "", at + 1, check.pattern,
                                 show(got, at), show(expected, at));
    std::vector<std::string> rows;
    for (std::size_t i = at >= 2 ? at - 2 : 0; i < std::max(got.size(), expected.size()) && i < at + 3; ++i)
      rows.push_back(fmt::format("  {} {:>3}  {:<30} {}", i == at ? ">" : " ", i + 1, show(expected, i), show(got, i)));
    result.detail = fmt::format("lines matching /{}/ diverge from '{}'{} at match {}\n        {:<30} {}\n{}",
                                check.pattern, check.baseline, same_input(*baseline, r, evidence.graded[r]), at + 1,
                                check.baseline, "graded", fmt::join(rows, "\n"));
    result.data = {{"run", r}, {"index", at}};
  }
  if (result.passed) result.message = fmt::format("{} matching line(s) in order", first.size());
  return result;
}

CheckResult check_interleaved(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  std::vector<regex::Pattern> patterns;
  for (const auto& p : check.patterns) patterns.emplace_back(p);
  std::vector<const regex::Pattern*> all;
  for (const auto& p : patterns) all.push_back(&p);
  if (auto refused = refused_pattern(result, all)) return *refused;
  double worst = 1.0;
  result.passed = true;
  nlohmann::json runs = nlohmann::json::array();
  for (std::size_t r = 0; r < evidence.graded.size(); ++r) {
    const Run& run = evidence.graded[r];
    struct Span {
      double first = 0, last = 0;
      int count = 0;
    };
    std::vector<Span> spans(patterns.size());
    for (const auto& line : run.lines)
      for (std::size_t p = 0; p < patterns.size(); ++p)
        if (patterns[p].search(line.text)) {
          Span& span = spans[p];
          if (span.count++ == 0) span.first = line.t_s;
          span.last = line.t_s;
        }
    nlohmann::json json_spans = nlohmann::json::array();
    for (std::size_t p = 0; p < spans.size(); ++p)
      json_spans.push_back({{"pattern", check.patterns[p]},
                            {"first_s", spans[p].first},
                            {"last_s", spans[p].last},
                            {"lines", spans[p].count}});
    runs.push_back({{"run", r}, {"spans", json_spans}});
    if (!result.passed) continue;

    auto describe = [&] {
      std::vector<std::string> rows;
      for (std::size_t p = 0; p < spans.size(); ++p)
        rows.push_back(fmt::format("  /{}/: {} line(s) from {:.3f}s to {:.3f}s", check.patterns[p], spans[p].count,
                                   spans[p].first, spans[p].last));
      return fmt::format("{}", fmt::join(rows, "\n"));
    };
    for (std::size_t p = 0; p < spans.size() && result.passed; ++p) {
      if (spans[p].count == 0) {
        result.passed = false;
        worst = 0;
        result.message = fmt::format("run {}: no line matches /{}/", r + 1, check.patterns[p]);
        result.detail = describe();
      } else if (spans[p].last - spans[p].first < 1e-3) {
        result.passed = false;
        worst = 0;
        result.message =
            fmt::format("run {}: the lines of /{}/ arrived within 1 ms of each other", r + 1, check.patterns[p]);
        result.detail = describe() +
                        "\nhint: output that arrives in one burst was buffered: flush stdout after each line "
                        "(std::fflush(stdout), print(..., flush=True)) or set capture = \"pty\"";
      }
    }
    for (std::size_t a = 0; a < spans.size() && result.passed; ++a)
      for (std::size_t b = a + 1; b < spans.size() && result.passed; ++b) {
        double overlap =
            std::max(0.0, std::min(spans[a].last, spans[b].last) - std::max(spans[a].first, spans[b].first));
        double shorter = std::min(spans[a].last - spans[a].first, spans[b].last - spans[b].first);
        double ratio = overlap / shorter;
        worst = std::min(worst, ratio);
        if (ratio + 1e-12 < check.min_overlap) {
          result.passed = false;
          result.message = fmt::format("run {}: /{}/ and /{}/ overlap {:.0f}% of the shorter span, need {:.0f}%", r + 1,
                                       check.patterns[a], check.patterns[b], ratio * 100, check.min_overlap * 100);
          result.detail = describe() + (ratio == 0 ? "\nhint: one finished before the other started: the work ran one "
                                                     "after the other, not at the same time"
                                                   : "");
        }
      }
  }
  result.measured = worst;
  result.threshold = check.min_overlap;
  result.data = {{"runs", runs}};
  if (result.passed)
    result.message = fmt::format("overlap >= {:.0f}% in {} run(s)", worst * 100, evidence.graded.size());
  return result;
}

CheckResult check_filecheck(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  result.passed = true;
  Stream stream = check.stream == "stderr" ? Stream::err : Stream::out;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    std::string input;
    const Run& run = evidence.graded[r];
    // `rank`: that MPI rank's lines only; none of them when the run had fewer ranks
    for (const auto& line : run.lines)
      if (line.stream == stream && (!check.rank || line.rank == check.rank)) input += line.text + "\n";
    filecheck::Options options;
    options.check_name = "case.toml";
    options.line_offset = check.text_line_offset;
    options.input_name = check.rank ? fmt::format("run-{}.rank-{}.{}", r + 1, *check.rank, check.stream)
                                    : fmt::format("run-{}.{}", r + 1, check.stream);
    auto outcome = filecheck::run(check.text, input, options);
    if (outcome.status == filecheck::Status::match) continue;
    result.passed = false;
    // Check text the catalog let through yet cannot be used is the author's to fix (an empty input is the program's).
    result.cannot_judge = outcome.status == filecheck::Status::invalid_checks && !input.empty();
    result.message = fmt::format("run {}: {}", r + 1, outcome.summary);
    result.detail = outcome.diagnostic;
    result.data = {{"run", r}, {"check_line", outcome.check_line}};
  }
  if (result.passed) result.message = fmt::format("{} run(s) match", evidence.graded.size());
  return result;
}

}  // namespace parex
