#include "checks/checks.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "match/filecheck.hpp"
#include "checks/hang_explain.hpp"
#include "match/regex.hpp"

namespace parex {
namespace {

// A line for a message: tabs as spaces, a huge line cut down to its ends.
std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : regex::excerpt(text)) out += c == '\t' ? ' ' : c;
  return out + "'";
}

// The last few lines a run printed, for a verdict about how it ended.
std::string last_output(const Run& run, std::size_t count = 3) {
  std::vector<std::string> tail;
  for (auto it = run.lines.rbegin(); it != run.lines.rend() && tail.size() < count; ++it)
    tail.insert(tail.begin(), fmt::format("  {:>8.3f}s {} | {}", it->t_s, to_string(it->stream), regex::excerpt(it->text)));
  return tail.empty() ? "  (no output)" : fmt::format("{}", fmt::join(tail, "\n"));
}

// Runs the runner stopped itself: their exit status says nothing about the program.
bool killed_by_runner(const Run& run) {
  return run.outcome == Outcome::timeout || run.outcome == Outcome::output_limit ||
         run.outcome == Outcome::process_limit || run.outcome == Outcome::memory_limit ||
         run.outcome == Outcome::spawn_error || run.outcome == Outcome::runner_stopped;
}

std::vector<std::string> filtered_stdout(const Run& run, const std::string& ignore) {
  auto lines = stdout_lines(run);
  if (ignore.empty()) return lines;
  const regex::Pattern skip(ignore);
  std::erase_if(lines, [&](const std::string& line) { return skip.search(line); });
  return lines;
}

CheckResult start(const CheckSpec& check) {
  CheckResult result;
  result.kind = std::string(to_string(check.kind));
  result.name = check.name;
  return result;
}

const std::vector<Run>* baseline_runs(const Evidence& evidence, const std::string& name) {
  auto it = evidence.baselines.find(name);
  return it == evidence.baselines.end() || it->second.empty() ? nullptr : &it->second;
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

CheckResult fail_without_runs(CheckResult result, std::string_view what) {
  result.passed = false;
  result.message = fmt::format("no {} to compare", what);
  return result;
}

double threshold_of(const CheckSpec& check, int cores) {
  if (check.at_least) return *check.at_least;
  int workers = std::min(check.workers.value_or(cores), cores);
  return *check.efficiency * std::max(1, workers);
}

// A pair during which the hypervisor took more than this share of the machine's CPU time (steal) measured
// the host rather than the program: on a shared 2-vCPU machine a stolen vCPU halves a parallel run's speed.
constexpr double kDisturbedShare = 0.10;
// Likewise other processes of the machine: a run is disturbed when they used more than kBusyShare of the CPUs it
// could use while those CPUs were full (more than kSaturated of their capacity in use, the run's own included).
// Full CPUs, not busy ones alone: a run that sleeps or uses one core of two loses nothing to a process on the
// other. /proc/stat counts 10 ms ticks, so foreign_share is only trusted beyond that error.
constexpr double kBusyShare = 0.10;
constexpr double kSaturated = 0.90;

bool stolen_from(const Run& run) { return run.stolen_share.value_or(0) > kDisturbedShare; }

bool busy_during(const Run& run) {
  if (!run.foreign_share || !run.load_share || run.wall_s <= 0) return false;
  const double tick_error = 0.01 / run.wall_s;
  return *run.foreign_share - tick_error > kBusyShare && *run.load_share > kSaturated;
}

// Why runs were left out, in words: "the hypervisor took over 10% of the CPUs", or other processes did.
std::string disturbance(bool steal, bool busy) {
  if (steal && busy) return fmt::format("the hypervisor or other processes took over {:.0f}% of the CPUs", kBusyShare * 100);
  if (busy) return fmt::format("other processes took over {:.0f}% of the full CPUs", kBusyShare * 100);
  return fmt::format("the hypervisor took over {:.0f}% of the CPUs", kDisturbedShare * 100);
}

// The verdict when every run was disturbed and other processes took part: the machine's, never the learner's.
std::string machine_busy(const std::vector<const Run*>& runs) {
  std::vector<double> shares;
  for (const Run* run : runs) shares.push_back(run->foreign_share.value_or(0));
  return fmt::format("the machine was busy: other processes took {:.0f}% of the CPUs during the runs; grade again when "
                     "it is idle",
                     median(shares) * 100);
}

// Per-pair ratios baseline/graded in run order, and the ones a speedup is judged on: the undisturbed
// pairs, or every pair when all were disturbed.
struct PairRatios {
  std::vector<double> all;
  std::vector<bool> disturbed;
  std::vector<double> judged;
  std::size_t clean = 0;     // undisturbed pairs
  std::size_t left_out = 0;  // pairs not judged
  bool steal = false;        // some pair was disturbed by steal
  bool busy = false;         // some pair was disturbed by other processes
  std::vector<const Run*> runs;  // both runs of every pair
};

PairRatios pair_ratios(const std::vector<Run>& baseline, const std::vector<Run>& graded) {
  PairRatios out;
  std::vector<double> clean;
  for (std::size_t i = 0; i < std::min(baseline.size(), graded.size()); ++i) {
    const double ratio = baseline[i].wall_s / std::max(graded[i].wall_s, 1e-9);
    const bool either = disturbed(baseline[i]) || disturbed(graded[i]);
    out.steal |= stolen_from(baseline[i]) || stolen_from(graded[i]);
    out.busy |= busy_during(baseline[i]) || busy_during(graded[i]);
    out.all.push_back(ratio);
    out.disturbed.push_back(either);
    out.runs.insert(out.runs.end(), {&baseline[i], &graded[i]});
    if (!either) clean.push_back(ratio);
  }
  out.clean = clean.size();
  out.judged = clean.empty() ? out.all : clean;
  out.left_out = out.all.size() - out.judged.size();
  return out;
}

double median_utilisation(const std::vector<Run>& runs) {
  std::vector<double> values;
  for (const auto& run : runs)
    if (run.wall_s > 0) values.push_back((run.user_s + run.sys_s) / run.wall_s);
  return median(values);
}

// On one CPU nothing runs in parallel: a speedup or scaling measured there says nothing of the program
// (docs/extensions.md).
bool needs_two_cpus(CheckResult& result, const Evidence& evidence) {
  if (evidence.cores >= 2) return false;
  result.cannot_judge = true;
  result.message = fmt::format("needs 2 CPUs: this machine gives the runs {}", evidence.cores);
  result.detail = "nothing runs in parallel on one CPU: grade it where 2 CPUs or more are free";
  return true;
}

CheckResult check_speedup(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (needs_two_cpus(result, evidence)) return result;
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline || evidence.graded.empty()) return fail_without_runs(result, "runs");
  const PairRatios paired = pair_ratios(*baseline, evidence.graded);
  const std::vector<double>& ratios = paired.judged;
  nlohmann::json pairs = nlohmann::json::array();
  for (std::size_t i = 0; i < paired.all.size(); ++i) {
    pairs.push_back({{"baseline_s", (*baseline)[i].wall_s}, {"graded_s", evidence.graded[i].wall_s}, {"ratio", paired.all[i]}});
    if (paired.disturbed[i]) pairs.back()["disturbed"] = true;
  }
  const double measured = median(ratios);
  const double threshold = threshold_of(check, evidence.cores);
  const double baseline_cpu = median_utilisation(*baseline), graded_cpu = median_utilisation(evidence.graded);
  result.measured = measured;
  result.threshold = threshold;
  result.passed = measured >= threshold;
  auto interval = speedup_interval(ratios);
  std::string range = interval ? fmt::format(" [{:.2f}, {:.2f}]", interval->first, interval->second) : "";
  result.message = fmt::format("{:.2f}x{} {} {:.2f}x", measured, range, result.passed ? ">=" : "<", threshold);
  if (check.efficiency)
    result.message += fmt::format(" ({:.0f}% of {} cores)", *check.efficiency * 100,
                                  std::min(check.workers.value_or(evidence.cores), evidence.cores));
  if (paired.left_out > 0)
    result.message += fmt::format(" ({} of {} pairs left out: {})", paired.left_out, paired.all.size(),
                                  disturbance(paired.steal, paired.busy));
  else if (paired.clean == 0)
    result.message += fmt::format(" (every pair disturbed: {})", disturbance(paired.steal, paired.busy));
  result.data = {{"baseline", check.baseline}, {"ratios", ratios}, {"pairs", pairs}, {"cores", evidence.cores},
                 {"disturbed_pairs", paired.left_out},
                 {"baseline_cpu_utilisation", baseline_cpu}, {"graded_cpu_utilisation", graded_cpu},
                 {"interval_method", ratios.size() >= 6 ? "order statistics, ~95%" : "range of the pairs"}};
  if (interval) result.data["interval"] = {interval->first, interval->second};
  // CPU-bound work cannot run faster than the cores allow: a higher bar is the machine's limit, not the learner's.
  if (threshold > evidence.cores && baseline_cpu >= 0.5) {
    result.data["unreachable"] = true;
    result.cannot_judge = true;
    result.message += fmt::format(": unreachable here ({} cores, CPU-bound work)", evidence.cores);
    result.detail = fmt::format("the baseline keeps a core {:.0f}% busy, so no program can be more than {}x faster on "
                                "this machine's {} cores; grade this case on a machine with more cores",
                                baseline_cpu * 100, evidence.cores, evidence.cores);
    return result;
  }
  // Other processes kept the CPUs full through every pair: what was measured is the machine, not the program.
  if (paired.clean == 0 && paired.busy) {
    result.data["machine_busy"] = true;
    result.cannot_judge = true;
    result.message = machine_busy(paired.runs);
    result.detail = fmt::format("no pair ran on a quiet machine: in each, processes outside the run used more than "
                                "{:.0f}% of the CPUs it could use while they were full ({} pairs; foreign_share in "
                                "each run of the results)",
                                kBusyShare * 100, paired.all.size());
    return result;
  }
  // A ceiling: more than a right program can measure is work left undone (one process printing every
  // line with short sleeps measures "20x"). Without at_most it holds for CPU-bound work only, where the
  // cores bound the speedup; references measure slightly superlinear, hence the 1.5.
  std::optional<double> ceiling = check.at_most;
  const int workers = std::max(1, std::min(check.workers.value_or(evidence.cores), evidence.cores));
  if (!ceiling && baseline_cpu >= 0.5) ceiling = 1.5 * workers;
  if (ceiling) result.data["at_most"] = *ceiling;
  if (result.passed && ceiling && measured > *ceiling) {
    result.passed = false;
    result.message = fmt::format("{:.2f}x{} > {:.2f}x: faster than the work allows", measured, range, *ceiling);
    result.detail = fmt::format(
        "the median of {} paired runs is {:.2f}x, above the most a right program measures here ({:.2f}x{}): is all of "
        "the baseline's work still done, in processes that share it?",
        ratios.size(), measured, *ceiling,
        check.at_most ? "" : fmt::format(", 1.5 x {} core(s) for CPU-bound work", workers));
    return result;
  }
  // Work conservation: CPU-bound work split across processes still costs about its CPU time; a graded program that
  // measures fast on much less CPU than the baseline skipped work (or did it somewhere the runner does not see).
  if (result.passed && baseline_cpu >= 0.5) {
    const double min_work = check.min_work.value_or(0.8);
    auto cpu_seconds = [](const std::vector<Run>& runs) {
      std::vector<double> values;
      for (const auto& run : runs) values.push_back(run.user_s + run.sys_s);
      return median(values);
    };
    const double baseline_work = cpu_seconds(*baseline), graded_work = cpu_seconds(evidence.graded);
    result.data["baseline_cpu_s"] = baseline_work;
    result.data["graded_cpu_s"] = graded_work;
    if (min_work > 0 && graded_work < min_work * baseline_work) {
      result.passed = false;
      result.message = fmt::format("{:.2f}x{} on {:.0f}% of the baseline's CPU time: work left undone", measured, range,
                                   graded_work / std::max(baseline_work, 1e-9) * 100);
      result.detail = fmt::format(
          "CPU-bound work costs about the same CPU time however it is split: the baseline used {:.3f} s, the graded "
          "program {:.3f} s (median of the runs), less than min_work = {:.2f} of it. Does every process do its share "
          "of the work, and does the main process join them all?",
          baseline_work, graded_work, min_work);
      return result;
    }
  }
  if (!result.passed) {
    std::vector<std::string> rows;
    for (const auto& pair : pairs)
      rows.push_back(fmt::format("  {} {:.3f}s / graded {:.3f}s = {:.2f}x{}", check.baseline, pair["baseline_s"].get<double>(),
                                 pair["graded_s"].get<double>(), pair["ratio"].get<double>(),
                                 pair.value("disturbed", false) ? "  (left out: the machine was not quiet)" : ""));
    result.detail = fmt::format("median of {} paired runs is {:.2f}x, below the required {:.2f}x\n{}", ratios.size(),
                                measured, threshold, fmt::join(rows, "\n"));
    result.detail += fmt::format("\nCPU utilisation: baseline {:.0f}%, graded {:.0f}% of one core", baseline_cpu * 100,
                                 graded_cpu * 100);
    // A hint for the learner only when nothing else on the machine could explain the figure.
    if (measured < 1.15 && !paired.busy && !paired.steal)
      result.detail += "\nhint: the graded variant is about as fast as the baseline: is the work really split "
                       "across processes that run at the same time (start all, then join all)?";
  }
  return result;
}

// Median real_time of benchmark `name` in Google Benchmark's JSON output, nullopt if absent.
std::optional<double> benchmark_time(const nlohmann::json& report, const std::string& name) {
  std::vector<double> times;
  std::optional<double> median_aggregate;
  for (const auto& entry : report.value("benchmarks", nlohmann::json::array())) {
    // "BM_Pool" names "BM_Pool/real_time" too: Google Benchmark appends its options to the name.
    const std::string run_name = entry.value("run_name", entry.value("name", ""));
    if (run_name != name && !run_name.starts_with(name + "/")) continue;
    if (entry.value("run_type", "iteration") == "aggregate") {
      if (entry.value("aggregate_name", "") == "median") median_aggregate = entry.value("real_time", 0.0);
    } else {
      times.push_back(entry.value("real_time", 0.0));
    }
  }
  if (median_aggregate) return median_aggregate;
  if (times.empty()) return std::nullopt;
  return median(times);
}

// The run of a benchmark program that its check is judged on: the last one the hypervisor left alone,
// or the last of all when it disturbed every one.
const Run& benchmark_run(const std::vector<Run>& runs) {
  auto clean = std::find_if(runs.rbegin(), runs.rend(), [](const Run& run) { return !disturbed(run); });
  return clean != runs.rend() ? *clean : runs.back();
}

// The Google Benchmark JSON report a benchmark program printed; nullopt (and why, in `why`) when it printed none.
std::optional<nlohmann::json> benchmark_report(const Run& run, const std::string& program, std::string& why) {
  std::string text;
  for (const auto& line : stdout_lines(run)) text += line + "\n";
  nlohmann::json report = nlohmann::json::parse(text, nullptr, false);
  if (!report.is_discarded()) return report;
  why = fmt::format("{} did not print Google Benchmark JSON (is it a benchmark program?)", program);
  return std::nullopt;
}

// The median real time of `name` in `report`, or why not.
std::optional<double> benchmark_median(const nlohmann::json& report, const std::string& name, const std::string& program,
                                       std::string& why) {
  if (auto time = benchmark_time(report, name)) return time;
  std::set<std::string> names;
  for (const auto& entry : report.value("benchmarks", nlohmann::json::array()))
    names.insert(entry.value("run_name", entry.value("name", "")));
  why = fmt::format("benchmark '{}' not found in the output{} (found: {})", name,
                    program == "the program" ? "" : " of " + program, fmt::join(names, ", "));
  return std::nullopt;
}

CheckResult check_benchmark_speedup(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (needs_two_cpus(result, evidence)) return result;
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  // With baseline_variant, the baseline benchmark comes from that variant's program, not the graded one's.
  const std::vector<Run>* baseline_runs_of = &evidence.graded;
  std::string baseline_program = "the program";
  if (!check.baseline_variant.empty()) {
    auto it = evidence.baselines.find(check.baseline_variant);
    if (it == evidence.baselines.end() || it->second.empty()) return fail_without_runs(result, "baseline runs");
    baseline_runs_of = &it->second;
    baseline_program = fmt::format("'{}'", check.baseline_variant);
  }
  const Run& judged = benchmark_run(evidence.graded);
  const auto left_out = static_cast<std::size_t>(std::count_if(evidence.graded.begin(), evidence.graded.end(), disturbed));
  std::string why;
  auto report = benchmark_report(judged, "the program", why);
  auto baseline_report = baseline_runs_of == &evidence.graded ? report
                                                               : benchmark_report(benchmark_run(*baseline_runs_of),
                                                                                  baseline_program, why);
  std::optional<double> baseline, candidate;
  if (report && baseline_report) {
    baseline = benchmark_median(*baseline_report, check.baseline, baseline_program, why);
    if (baseline) candidate = benchmark_median(*report, check.candidate, "the program", why);
  }
  if (!baseline || !candidate) {
    result.message = why;
    return result;
  }
  double measured = *baseline / std::max(*candidate, 1e-12);
  double threshold = threshold_of(check, evidence.cores);
  result.measured = measured;
  result.threshold = threshold;
  result.passed = measured >= threshold;
  const std::string baseline_name =
      check.baseline_variant.empty() ? check.baseline : fmt::format("{} of '{}'", check.baseline, check.baseline_variant);
  result.message = fmt::format("{:.2f}x {} {:.2f}x (median real time {} / {})", measured, result.passed ? ">=" : "<",
                               threshold, baseline_name, check.candidate);
  const bool steal = std::any_of(evidence.graded.begin(), evidence.graded.end(), stolen_from);
  const bool busy = std::any_of(evidence.graded.begin(), evidence.graded.end(), busy_during);
  if (left_out == evidence.graded.size())
    result.message += fmt::format(" (every run disturbed: {})", disturbance(steal, busy));
  else if (left_out > 0)
    result.message += fmt::format(" ({} of {} runs left out: {})", left_out, evidence.graded.size(), disturbance(steal, busy));
  result.data = {{"baseline", check.baseline}, {"baseline_variant", check.baseline_variant},
                 {"candidate", check.candidate}, {"baseline_time", *baseline},
                 {"candidate_time", *candidate}, {"cores", evidence.cores}, {"program_runs", evidence.graded.size()},
                 {"disturbed_runs", left_out}};
  if (left_out == evidence.graded.size() && busy) {
    std::vector<const Run*> runs;
    for (const auto& run : evidence.graded) runs.push_back(&run);
    result.data["machine_busy"] = true;
    result.cannot_judge = true;
    result.message = machine_busy(runs);
    result.detail = fmt::format("every run of the benchmark program shared full CPUs with other processes ({} runs)",
                                evidence.graded.size());
  }
  return result;
}

CheckResult check_same_lines(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline || evidence.graded.empty()) return fail_without_runs(result, "runs");
  if (const regex::Pattern skip(check.ignore); !skip.ok()) return *refused_pattern(result, {&skip});
  std::map<std::string, int> expected;
  for (const auto& line : filtered_stdout(baseline->front(), check.ignore)) ++expected[line];
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    std::map<std::string, int> got;
    for (const auto& line : filtered_stdout(evidence.graded[r], check.ignore)) ++got[line];
    if (got == expected) continue;
    result.passed = false;
    std::vector<std::string> missing, extra, duplicated;
    for (const auto& [line, count] : expected)
      if (got[line] < count) missing.push_back(fmt::format("  - {} ({}x expected, {}x printed)", quote(line), count, got[line]));
    for (const auto& [line, count] : got) {
      int want = expected.contains(line) ? expected.at(line) : 0;
      if (count <= want) continue;
      extra.push_back(fmt::format("  + {} ({}x printed, {}x expected)", quote(line), count, want));
      if (want > 0 && count % want == 0) duplicated.push_back(line);
    }
    result.message = fmt::format("run {}: {} line(s) missing, {} unexpected", r + 1, missing.size(), extra.size());
    result.detail = fmt::format("stdout of run {} differs from '{}' as a multiset of lines{}", r + 1, check.baseline,
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
  if (result.passed) result.message = fmt::format("{} line(s), {} run(s)", filtered_stdout(baseline->front(), check.ignore).size(), evidence.graded.size());
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
    for (const auto& line : filtered_stdout(run, check.ignore))
      if (pattern.search(line)) out.push_back(line);
    return out;
  };
  auto expected = matching(baseline->front());
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    auto got = matching(evidence.graded[r]);
    if (got == expected) continue;
    result.passed = false;
    std::size_t at = 0;
    while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
    auto show = [&](const std::vector<std::string>& lines, std::size_t i) {
      return i < lines.size() ? quote(lines[i]) : std::string("(nothing)");
    };
    result.message = fmt::format("run {}: line {} of /{}/ is {}, expected {}", r + 1, at + 1, check.pattern,
                                 show(got, at), show(expected, at));
    std::vector<std::string> rows;
    for (std::size_t i = at >= 2 ? at - 2 : 0; i < std::max(got.size(), expected.size()) && i < at + 3; ++i)
      rows.push_back(fmt::format("  {} {:>3}  {:<30} {}", i == at ? ">" : " ", i + 1, show(expected, i), show(got, i)));
    result.detail = fmt::format("lines matching /{}/ diverge from '{}' at match {}\n        {:<30} {}\n{}", check.pattern,
                                check.baseline, at + 1, check.baseline, "graded", fmt::join(rows, "\n"));
    result.data = {{"run", r}, {"index", at}};
  }
  if (result.passed) result.message = fmt::format("{} matching line(s) in order", expected.size());
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
      json_spans.push_back({{"pattern", check.patterns[p]}, {"first_s", spans[p].first}, {"last_s", spans[p].last}, {"lines", spans[p].count}});
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
        result.message = fmt::format("run {}: the lines of /{}/ arrived within 1 ms of each other", r + 1, check.patterns[p]);
        result.detail = describe() +
                        "\nhint: output that arrives in one burst was buffered: flush stdout after each line "
                        "(std::fflush(stdout), print(..., flush=True)) or set capture = \"pty\"";
      }
    }
    for (std::size_t a = 0; a < spans.size() && result.passed; ++a)
      for (std::size_t b = a + 1; b < spans.size() && result.passed; ++b) {
        double overlap = std::max(0.0, std::min(spans[a].last, spans[b].last) - std::max(spans[a].first, spans[b].first));
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
  if (result.passed) result.message = fmt::format("overlap >= {:.0f}% in {} run(s)", worst * 100, evidence.graded.size());
  return result;
}

CheckResult check_filecheck(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  result.passed = true;
  Stream stream = check.stream == "stderr" ? Stream::err : Stream::out;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    std::string input;
    for (const auto& line : evidence.graded[r].lines)
      if (line.stream == stream) input += line.text + "\n";
    filecheck::Options options;
    options.check_name = "case.toml";
    options.line_offset = check.text_line_offset;
    options.input_name = fmt::format("run-{}.{}", r + 1, check.stream);
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

// Where the tasks of a run ran, from their task_start/task_end probes: each in a process of its own, not the main
// one, all at once. An empty string when they did; else what went wrong, with a row per task in `rows`.
std::string judge_tasks(const CheckSpec& check, const Run& run, std::vector<std::string>& rows, double& together) {
  struct Span {
    const ProbeRecord* start = nullptr;
    const ProbeRecord* end = nullptr;
  };
  std::map<std::string, Span> spans;
  for (const auto& record : run.probes) {
    if (std::find(check.tasks.begin(), check.tasks.end(), record.value) == check.tasks.end()) continue;
    if (record.name == "task_start" && !spans[record.value].start) spans[record.value].start = &record;
    if (record.name == "task_end") spans[record.value].end = &record;
  }
  for (const auto& task : check.tasks) {
    const Span& span = spans[task];
    rows.push_back(fmt::format("  {:<10} {}", task,
                               span.start && span.end
                                   ? fmt::format("pid {}, {:.3f}s to {:.3f}s", span.start->pid, vouched_time(*span.start),
                                                 vouched_time(*span.end))
                                   : "never started and ended"));
  }
  std::map<int, std::string> by_writer;
  double latest_start = -1e300, earliest_end = 1e300, shortest = 1e300;
  for (const auto& task : check.tasks) {
    const Span& span = spans[task];
    if (!span.start || !span.end)
      return fmt::format("task '{}' never ran: no task_start and task_end probes of it (the exercise's task functions "
                         "record them: call them, rather than print their lines yourself)",
                         task);
    if (writer_of(*span.start) != writer_of(*span.end))
      return fmt::format("task '{}' started in pid {} and ended in pid {}", task, span.start->pid, span.end->pid);
    if (writer_of(*span.start) == main_of(run))
      return fmt::format("task '{}' ran in the main process, not in a process of its own", task);
    if (auto [it, fresh] = by_writer.emplace(writer_of(*span.start), task); !fresh)
      return fmt::format("tasks '{}' and '{}' ran in the same process (pid {}): each needs a process of its own", it->second,
                         task, span.start->pid);
    latest_start = std::max(latest_start, vouched_time(*span.start));
    earliest_end = std::min(earliest_end, vouched_time(*span.end));
    shortest = std::min(shortest, vouched_time(*span.end) - vouched_time(*span.start));
  }
  together = shortest > 0 ? std::max(0.0, earliest_end - latest_start) / shortest : 1.0;
  if (together < check.min_overlap)
    return fmt::format("the tasks ran at the same time for {:.0f}% of the shortest, less than min_overlap = {:.0f}%: "
                       "start every process before joining any",
                       together * 100, check.min_overlap * 100);
  return {};
}

CheckResult check_processes(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  int fewest = std::numeric_limits<int>::max();
  std::size_t worst = 0;
  for (std::size_t r = 0; r < evidence.graded.size(); ++r)
    if (evidence.graded[r].peak_processes < fewest) fewest = evidence.graded[r].peak_processes, worst = r;
  result.measured = fewest;
  result.threshold = check.min_peak;
  result.passed = fewest >= check.min_peak;
  result.data = {{"peaks", nlohmann::json::array()}};
  for (const auto& run : evidence.graded) result.data["peaks"].push_back(run.peak_processes);
  if (result.passed && !check.tasks.empty()) {
    double least_together = 1;
    for (std::size_t r = 0; r < evidence.graded.size(); ++r) {
      std::vector<std::string> rows;
      double together = 0;
      const std::string wrong = judge_tasks(check, evidence.graded[r], rows, together);
      if (!wrong.empty()) {
        result.passed = false;
        result.message = fmt::format("run {}: {}", r + 1, wrong);
        result.detail = fmt::format("the tasks, from the probes of the case's shared code (times as the runner received "
                                    "them):\n{}",
                                    fmt::join(rows, "\n"));
        result.data["run"] = r;
        return result;
      }
      least_together = std::min(least_together, together);
    }
    result.message = fmt::format("{} run(s): at least {} process(es) at once; {} each in a process of its own, together "
                                 "for at least {:.0f}% of the shortest",
                                 evidence.graded.size(), fewest, fmt::join(check.tasks, ", "), least_together * 100);
    result.data["together"] = least_together;
  } else if (result.passed) {
    result.message = fmt::format("{} run(s): at least {} process(es) at once", evidence.graded.size(), fewest);
  } else {
    result.message = fmt::format("run {}: at most {} process(es) at once, fewer than {}", worst + 1, fewest, check.min_peak);
    result.detail = fmt::format("the exercise asks for its work in {} processes alive at the same time (the main one "
                                "included): start them all before joining any",
                                check.min_peak);
  }
  return result;
}

CheckResult check_isolation(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    const Run& run = evidence.graded[r];
    std::vector<const ProbeRecord*> records;
    for (const auto& record : run.probes)
      if (record.name == check.probe) records.push_back(&record);
    // The main process's records are those of its main thread; a thread of it counts as "another writer".
    auto is_main = [&](const ProbeRecord* record) { return writer_of(*record) == main_of(run) && record->tid == run.pid; };
    auto fail = [&](std::string message, std::string detail = {}) {
      result.passed = false;
      result.message = fmt::format("run {}: {}", r + 1, message);
      std::vector<std::string> rows;
      for (const auto* record : records)
        rows.push_back(fmt::format("  {:>8.3f}s pid {}{}{} {} = {}", record->t_s, record->pid,
                                   record->tid != record->pid ? fmt::format(" (thread {})", record->tid) : "",
                                   is_main(record) ? " (main)" : "", record->name, record->value));
      result.detail = fmt::format("{}records of '{}':\n{}", detail.empty() ? "" : detail + "\n", check.probe,
                                  rows.empty() ? "  (none)" : fmt::format("{}", fmt::join(rows, "\n")));
      result.data = {{"run", r}};
    };
    if (records.empty()) {
      fail(fmt::format("no record of probe '{}'", check.probe),
           fmt::format("call parex::probe(\"{0}\", value) (Python: parex_probe.probe(\"{0}\", value)) in the "
                       "program, in the parent before starting a process, in the child, and in the parent after join()",
                       check.probe));
      continue;
    }
    auto first_child = std::find_if(records.begin(), records.end(), [&](auto* rec) { return !is_main(rec); });
    if (first_child == records.end()) {
      fail("every record came from the main process: the work did not run in a separate process");
      continue;
    }
    if (!is_main(records.front())) {
      fail(fmt::format("the main process did not report '{}' before another process did: probe it before starting "
                       "any process",
                       check.probe));
      continue;
    }
    const std::string& v0 = records.front()->value;
    auto changed = std::find_if(records.begin(), records.end(), [&](auto* rec) { return !is_main(rec) && rec->value != v0; });
    if (changed == records.end()) {
      fail(fmt::format("no other process reported a value other than {}: the child did not change '{}'", v0, check.probe));
      continue;
    }
    auto last_child = std::find_if(records.rbegin(), records.rend(), [&](auto* rec) { return !is_main(rec); });
    auto after = std::find_if(last_child.base(), records.end(), [&](auto* rec) { return is_main(rec); });
    if (after == records.end()) {
      fail(fmt::format("the main process did not report '{}' after the last record of another process: probe it "
                       "again after join()",
                       check.probe));
      continue;
    }
    if ((*after)->value != v0) {
      bool thread = writer_of(**changed) == main_of(run);
      fail(fmt::format("the parent saw {} after the child changed it: the variable is shared, not copied",
                       (*after)->value),
           thread ? "the writer was a thread of the main process, not a separate process" : "");
      continue;
    }
    result.message = fmt::format("parent kept {} while pid {} changed it to {}", v0, (*changed)->pid, (*changed)->value);
  }
  if (result.passed) result.message = fmt::format("{} run(s): {}", evidence.graded.size(), result.message);
  int forged = 0;
  for (const auto& run : evidence.graded) forged += run.probes_forged;
  if (forged > 0)
    result.message += fmt::format(" ({} record(s) left out: sent by another process than the one they name)", forged);
  return result;
}

std::string describe_end(const Run& run) {
  if (run.signal) return fmt::format("was killed by {}", signal_name(*run.signal));
  if (run.exit_code) return fmt::format("exited with code {}", *run.exit_code);
  return "ended without a status";
}

CheckResult check_exit(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  result.passed = true;
  for (std::size_t r = 0; r < evidence.graded.size() && result.passed; ++r) {
    const Run& run = evidence.graded[r];
    if (killed_by_runner(run)) continue;  // the timeout and limits checks say why
    bool ok = check.signal ? run.signal == check.signal : (!run.signal && run.exit_code == check.code.value_or(0));
    if (ok) continue;
    result.passed = false;
    result.message = fmt::format("run {} {}, expected {}", r + 1, describe_end(run),
                                 check.signal ? fmt::format("death by {}", signal_name(*check.signal))
                                              : fmt::format("exit code {}", check.code.value_or(0)));
    result.detail = fmt::format("last output:\n{}", last_output(run, 5));
  }
  if (result.passed) result.message = fmt::format("{} run(s)", evidence.graded.size());
  return result;
}

CheckResult implicit(std::string kind, std::string name) {
  CheckResult result;
  result.kind = std::move(kind);
  result.name = std::move(name);
  result.implicit = true;
  result.passed = true;
  return result;
}

}  // namespace

bool disturbed(const Run& run) { return stolen_from(run) || busy_during(run); }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::optional<std::pair<double, double>> median_interval(std::vector<double> values) {
  const std::size_t n = values.size();
  if (n < 6) return std::nullopt;
  std::sort(values.begin(), values.end());
  // Largest k with P(Binomial(n, 1/2) < k) <= 2.5%: [x_(k), x_(n-k+1)] then covers the median with >= 95%.
  std::vector<double> cdf(n + 1);
  double p = std::pow(0.5, static_cast<double>(n)), acc = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i <= n; ++i) {
    if (i > 0) p = p * static_cast<double>(n - i + 1) / static_cast<double>(i);
    if (acc + p > 0.025) break;
    acc += p;
    k = i + 1;
  }
  if (k == 0) return std::nullopt;
  return std::make_pair(values[k - 1], values[n - k]);
}

std::optional<std::pair<double, double>> speedup_interval(const std::vector<double>& ratios) {
  if (ratios.size() < 2) return std::nullopt;
  if (auto interval = median_interval(ratios)) return interval;
  auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  return std::make_pair(*low, *high);
}

std::vector<int> scaling_points(int cores) {
  std::vector<int> points;
  for (int workers = 1; workers < cores; workers *= 2) points.push_back(workers);
  points.push_back(std::max(1, cores));
  return points;
}

std::optional<double> amdahl_serial_fraction(const std::vector<std::pair<int, double>>& points) {
  // 1/S = f + (1 - f)/w, so y = 1/S - 1/w = f (1 - 1/w) = f x: a line through the origin. One worker says nothing.
  double sxy = 0, sxx = 0;
  for (const auto& [workers, speedup] : points) {
    if (workers < 2 || speedup <= 0) continue;
    const double x = 1 - 1.0 / workers, y = 1 / speedup - 1.0 / workers;
    sxy += x * y;
    sxx += x * x;
  }
  if (sxx <= 0) return std::nullopt;
  return sxy / sxx;
}

bool speedup_undecided(const CheckSpec& check, const Evidence& evidence) {
  if (evidence.cores < 2) return false;  // nothing to decide: the check cannot be judged on one CPU
  // A benchmark program measures itself: a run the hypervisor disturbed is run again, for a quiet one.
  if (check.kind == CheckKind::benchmark_speedup) {
    auto all_disturbed = [](const std::vector<Run>& runs) {
      return !runs.empty() && std::all_of(runs.begin(), runs.end(), disturbed);
    };
    auto baseline = evidence.baselines.find(check.baseline_variant);
    return all_disturbed(evidence.graded) || (baseline != evidence.baselines.end() && all_disturbed(baseline->second));
  }
  if (check.kind != CheckKind::speedup) return false;
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline) return false;
  const PairRatios paired = pair_ratios(*baseline, evidence.graded);
  // Disturbed pairs are replaced: the verdict rests on as many clean pairs as the case asked for.
  if (paired.clean < paired.all.size() && paired.clean < static_cast<std::size_t>(evidence.repetitions)) return true;
  auto interval = speedup_interval(paired.judged);
  double threshold = threshold_of(check, evidence.cores);
  return interval && interval->first < threshold && threshold <= interval->second;
}

// How the graded variant's time falls as it gets more CPUs, against Amdahl's law (docs/extensions.md, "scaling").
CheckResult check_scaling(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  const double most = check.max_serial_fraction.value_or(0);
  result.threshold = most;
  if (needs_two_cpus(result, evidence)) return result;
  // None on 2 CPUs or more: the graded variant stopped first (a timeout), which its own checks say.
  if (evidence.scaling.size() < 2 || !evidence.scaling.contains(1)) return fail_without_runs(result, "runs on fewer CPUs");
  // Runs that shared full CPUs with other processes, or lost them to the hypervisor, are left out as a speedup's
  // pairs are; a point left without runs leaves the machine to blame, not the program.
  std::map<int, std::vector<const Run*>> used;
  std::vector<const Run*> all;
  bool busy = false;
  std::size_t left_out = 0;
  for (const auto& [workers, runs] : evidence.scaling)
    for (const auto& run : runs) {
      all.push_back(&run);
      if (disturbed(run)) {
        ++left_out;
        busy |= busy_during(run);
      } else {
        used[workers].push_back(&run);
      }
    }
  if (used.size() < evidence.scaling.size()) {
    if (busy) {
      result.cannot_judge = true;
      result.data["machine_busy"] = true;
      result.message = machine_busy(all);
      result.detail = "every run at some CPU count shared full CPUs with other processes: nothing of the program's "
                      "scaling was measured there";
      return result;
    }
    used.clear();  // steal alone, everywhere: judged on every run, as a speedup is
    for (const auto& [workers, runs] : evidence.scaling)
      for (const auto& run : runs) used[workers].push_back(&run);
    left_out = 0;
  }
  auto median_wall = [](const std::vector<const Run*>& runs) {
    std::vector<double> walls;
    for (const Run* run : runs) walls.push_back(run->wall_s);
    return median(walls);
  };
  const double single = median_wall(used.at(1));
  std::vector<std::pair<int, double>> points;
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> shown;
  for (const auto& [workers, runs] : used) {
    const double wall = median_wall(runs), speedup = single / std::max(wall, 1e-9);
    points.emplace_back(workers, speedup);
    rows.push_back({{"workers", workers}, {"wall_s", wall}, {"speedup", speedup}, {"runs", runs.size()}});
    shown.push_back(fmt::format("{}: {:.2f}x", workers, speedup));
  }
  const auto fitted = amdahl_serial_fraction(points);
  if (!fitted) return fail_without_runs(result, "runs on more CPUs");
  // The interval: the fit of each repetition (the k-th run at every CPU count, none left out), from 3 points.
  std::optional<std::pair<double, double>> interval;
  std::vector<double> fits;
  if (points.size() >= 3 && left_out == 0) {
    std::size_t repetitions = SIZE_MAX;
    for (const auto& [workers, runs] : used) repetitions = std::min(repetitions, runs.size());
    for (std::size_t r = 0; r < repetitions; ++r) {
      std::vector<std::pair<int, double>> own;
      for (const auto& [workers, runs] : used) own.emplace_back(workers, used.at(1)[r]->wall_s / std::max(runs[r]->wall_s, 1e-9));
      if (auto f = amdahl_serial_fraction(own)) fits.push_back(*f);
    }
    interval = speedup_interval(fits);
  }
  result.measured = *fitted;
  result.passed = *fitted <= most;
  const std::string range = interval ? fmt::format(" [{:.2f}, {:.2f}]", interval->first, interval->second) : "";
  result.message = fmt::format("serial fraction {:.2f}{} {} {:.2f} (CPUs {})", *fitted, range, result.passed ? "<=" : ">",
                               most, fmt::join(shown, ", "));
  if (!interval) result.message += fmt::format(": {} points, an interval needs 3", points.size());
  if (left_out > 0) result.message += fmt::format(" ({} of {} runs left out: {})", left_out, all.size(), disturbance(!busy, busy));
  result.data = {{"points", rows}, {"serial_fraction", *fitted}, {"max_serial_fraction", most}, {"cores", evidence.cores},
                 {"disturbed_runs", left_out}};
  if (interval) result.data["interval"] = {interval->first, interval->second};
  if (!fits.empty()) result.data["fits"] = fits;
  if (!result.passed) {
    std::vector<std::string> table;
    for (const auto& row : rows)
      table.push_back(fmt::format("  {} CPU(s): {:.3f}s, {:.2f}x (ideal {}x)", row["workers"].get<int>(), row["wall_s"].get<double>(),
                                  row["speedup"].get<double>(), row["workers"].get<int>()));
    result.detail = fmt::format(
        "Amdahl's law fitted to the median times gives a serial fraction of {:.2f}: {:.0f}% of the work does not get "
        "faster with more CPUs (at most {:.0f}% here)\n{}",
        *fitted, *fitted * 100, most * 100, fmt::join(table, "\n"));
    if (left_out == 0)
      result.detail += "\nhint: does the program split its work across as many processes as it has CPUs (PAREX_CORES), "
                       "and start them all before it waits for any?";
  }
  return result;
}

CheckResult evaluate(const CheckSpec& check, const Evidence& evidence) {
  switch (check.kind) {
    case CheckKind::speedup: return check_speedup(check, evidence);
    case CheckKind::benchmark_speedup: return check_benchmark_speedup(check, evidence);
    case CheckKind::same_lines: return check_same_lines(check, evidence);
    case CheckKind::in_order: return check_in_order(check, evidence);
    case CheckKind::interleaved: return check_interleaved(check, evidence);
    case CheckKind::filecheck: return check_filecheck(check, evidence);
    case CheckKind::isolation: return check_isolation(check, evidence);
    case CheckKind::exit: return check_exit(check, evidence);
    case CheckKind::processes: return check_processes(check, evidence);
    case CheckKind::scaling: return check_scaling(check, evidence);
  }
  return start(check);
}

std::vector<CheckResult> implicit_checks(const std::vector<CheckSpec>& checks, const Evidence& evidence) {
  std::vector<CheckResult> out;
  const std::size_t runs = evidence.graded.size();
  bool explicit_exit = std::any_of(checks.begin(), checks.end(), [](const CheckSpec& c) { return c.kind == CheckKind::exit; });
  if (!explicit_exit) {
    CheckSpec zero;
    zero.kind = CheckKind::exit;
    zero.name = "exit code 0";
    CheckResult exit = check_exit(zero, evidence);
    exit.implicit = true;
    out.push_back(std::move(exit));
  }

  CheckResult timeout = implicit("timeout", "no timeout");
  CheckResult limits = implicit("limits", "within limits");
  CheckResult leaks = implicit("no_leaks", "no leaked processes");
  for (std::size_t r = 0; r < runs; ++r) {
    const Run& run = evidence.graded[r];
    if (run.outcome == Outcome::timeout && timeout.passed) {
      timeout.passed = false;
      timeout.message = fmt::format("run {} {}", r + 1, run.error);
      std::string where;
      if (run.hang && !run.hang->processes.empty()) {
        where = "where each process was when it timed out:\n";
        const auto lines = describe_processes(*run.hang);
        for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 12); ++i) where += "  " + lines[i] + "\n";
        if (lines.size() > 12) where += fmt::format("  ... and {} more (the results have them all)\n", lines.size() - 12);
        for (const auto& line : run.hang->explanation) where += "why: " + line + "\n";
      }
      timeout.detail = fmt::format("{}it was still running: the whole process tree was stopped (SIGTERM, then SIGKILL)\n"
                                   "last output:\n{}",
                                   where, last_output(run, 5));
      if (run.hang) timeout.data = {{"run", r + 1}, {"explanation", run.hang->explanation}, {"cycle", run.hang->cycle}};
    }
    bool limit = run.outcome == Outcome::output_limit || run.outcome == Outcome::process_limit ||
                 run.outcome == Outcome::memory_limit;
    if (limit && limits.passed) {
      limits.passed = false;
      limits.message = fmt::format("run {} {}", r + 1, run.error);
      limits.detail = fmt::format("the run was stopped ({}) and its process tree killed\nlast output:\n{}",
                                  to_string(run.outcome), last_output(run, 5));
      limits.data = {{"outcome", to_string(run.outcome)}};
    }
    if (!run.leaked.empty() && leaks.passed) {
      leaks.passed = false;
      std::vector<std::string> rows;
      for (const auto& leaked : run.leaked) rows.push_back(fmt::format("  pid {}: {}", leaked.pid, leaked.cmdline));
      leaks.message = fmt::format("run {} left {} process(es) running after its main process exited", r + 1, run.leaked.size());
      std::string where;
      if (run.hang && run.hang->when == "leaked")
        for (const auto& line : describe_processes(*run.hang)) where += "\n  " + line;
      leaks.detail = fmt::format("still alive when the main process exited (now killed):\n{}\n{}"
                                 "hint: join() every process you start, and close() and join() a pool",
                                 fmt::join(rows, "\n"), where.empty() ? "" : "where they were:" + where + "\n");
    }
  }
  for (auto* check : {&timeout, &limits, &leaks})
    if (check->passed) check->message = fmt::format("{} run(s)", runs);
  out.push_back(std::move(timeout));
  out.push_back(std::move(limits));
  out.push_back(std::move(leaks));

  for (const auto& [name, runs_of] : evidence.baselines) {
    CheckResult baseline = implicit("baseline", fmt::format("baseline '{}' ran cleanly", name));
    for (std::size_t r = 0; r < runs_of.size() && baseline.passed; ++r) {
      const Run& run = runs_of[r];
      if (run.outcome == Outcome::ok && run.leaked.empty()) continue;
      baseline.passed = false;
      baseline.message = fmt::format("run {} of '{}' {}", r + 1, name,
                                     run.outcome == Outcome::ok ? "leaked processes"
                                     : run.error.empty()        ? describe_end(run)
                                                                : run.error);
      baseline.detail = "checks that compare against this baseline are unreliable\nlast output:\n" + last_output(run, 5);
    }
    if (baseline.passed) baseline.message = fmt::format("{} run(s)", runs_of.size());
    out.push_back(std::move(baseline));
  }
  return out;
}

std::optional<CheckResult> sealing_failure(const std::vector<CheckSpec>& checks, const Evidence& evidence, bool declared) {
  if (evidence.graded.empty()) return std::nullopt;
  auto sealed = [](const CheckResult& r) { return !r.passed && !r.cannot_judge; };
  for (auto& result : implicit_checks(checks, evidence))
    if (result.kind != "baseline" && sealed(result)) return std::move(result);
  if (!declared) return std::nullopt;
  for (const auto& check : checks) {
    if (check.kind == CheckKind::speedup || check.kind == CheckKind::benchmark_speedup || check.kind == CheckKind::scaling)
      continue;
    if (CheckResult result = evaluate(check, evidence); sealed(result)) return result;
  }
  return std::nullopt;
}

}  // namespace parex
