// Timing checks: a paired speedup against a baseline variant, a benchmark program's own speedup, and scaling with
// the CPUs against Amdahl's law; runs the hypervisor or the machine's other processes disturbed are left out.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/checks.hpp"
#include "checks/internal.hpp"
#include "checks/statistics.hpp"

namespace parex {
namespace {

// The workers a timing check counts: its `workers`, else an MPI variant's ranks, else the cores; at most the cores.
int workers_of(const CheckSpec& check, const Evidence& evidence) {
  return std::max(
      1, std::min(check.workers.value_or(evidence.ranks > 0 ? evidence.ranks : evidence.cores), evidence.cores));
}

double threshold_of(const CheckSpec& check, const Evidence& evidence) {
  if (check.at_least) return *check.at_least;
  return *check.efficiency * workers_of(check, evidence);
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
  if (steal && busy)
    return fmt::format("the hypervisor or other processes took over {:.0f}% of the CPUs", kBusyShare * 100);
  if (busy) return fmt::format("other processes took over {:.0f}% of the full CPUs", kBusyShare * 100);
  return fmt::format("the hypervisor took over {:.0f}% of the CPUs", kDisturbedShare * 100);
}

// The verdict when every run was disturbed and other processes took part: the machine's, never the learner's.
std::string machine_busy(const std::vector<const Run*>& runs) {
  std::vector<double> shares;
  for (const Run* run : runs) shares.push_back(run->foreign_share.value_or(0));
  return fmt::format(
      "the machine was busy: other processes took {:.0f}% of the CPUs during the runs; grade again when "
      "it is idle",
      median(shares) * 100);
}

// Per-pair ratios baseline/graded in run order, and the ones a speedup is judged on: the undisturbed
// pairs, or every pair when all were disturbed.
struct PairRatios {
  std::vector<double> all;
  std::vector<bool> disturbed;
  std::vector<double> judged;
  std::size_t clean = 0;         // undisturbed pairs
  std::size_t left_out = 0;      // pairs not judged
  bool steal = false;            // some pair was disturbed by steal
  bool busy = false;             // some pair was disturbed by other processes
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
std::optional<double> benchmark_median(const nlohmann::json& report, const std::string& name,
                                       const std::string& program, std::string& why) {
  if (auto time = benchmark_time(report, name)) return time;
  std::set<std::string> names;
  for (const auto& entry : report.value("benchmarks", nlohmann::json::array()))
    names.insert(entry.value("run_name", entry.value("name", "")));
  why = fmt::format("benchmark '{}' not found in the output{} (found: {})", name,
                    program == "the program" ? "" : " of " + program, fmt::join(names, ", "));
  return std::nullopt;
}

}  // namespace

CheckResult check_speedup(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (needs_two_cpus(result, evidence)) return result;
  const auto* baseline = baseline_runs(evidence, check.baseline);
  if (!baseline || evidence.graded.empty()) return fail_without_runs(result, "runs");
  const PairRatios paired = pair_ratios(*baseline, evidence.graded);
  const std::vector<double>& ratios = paired.judged;
  nlohmann::json pairs = nlohmann::json::array();
  for (std::size_t i = 0; i < paired.all.size(); ++i) {
    pairs.push_back(
        {{"baseline_s", (*baseline)[i].wall_s}, {"graded_s", evidence.graded[i].wall_s}, {"ratio", paired.all[i]}});
    if (paired.disturbed[i]) pairs.back()["disturbed"] = true;
  }
  const double measured = median(ratios);
  const double threshold = threshold_of(check, evidence);
  const double baseline_cpu = median_utilisation(*baseline), graded_cpu = median_utilisation(evidence.graded);
  result.measured = measured;
  result.threshold = threshold;
  result.passed = measured >= threshold;
  auto interval = speedup_interval(ratios);
  std::string range = interval ? fmt::format(" [{:.2f}, {:.2f}]", interval->first, interval->second) : "";
  result.message = fmt::format("{:.2f}x{} {} {:.2f}x", measured, range, result.passed ? ">=" : "<", threshold);
  if (check.efficiency)
    result.message += fmt::format(" ({:.0f}% of {} cores)", *check.efficiency * 100, workers_of(check, evidence));
  if (paired.left_out > 0)
    result.message += fmt::format(" ({} of {} pairs left out: {})", paired.left_out, paired.all.size(),
                                  disturbance(paired.steal, paired.busy));
  else if (paired.clean == 0)
    result.message += fmt::format(" (every pair disturbed: {})", disturbance(paired.steal, paired.busy));
  result.data = {{"baseline", check.baseline},
                 {"ratios", ratios},
                 {"pairs", pairs},
                 {"cores", evidence.cores},
                 {"disturbed_pairs", paired.left_out},
                 {"baseline_cpu_utilisation", baseline_cpu},
                 {"graded_cpu_utilisation", graded_cpu},
                 {"interval_method", ratios.size() >= 6 ? "order statistics, ~95%" : "range of the pairs"}};
  if (interval) result.data["interval"] = {interval->first, interval->second};
  // CPU-bound work cannot run faster than the cores allow: a higher bar is the machine's limit, not the learner's.
  if (threshold > evidence.cores && baseline_cpu >= 0.5) {
    result.data["unreachable"] = true;
    result.cannot_judge = true;
    result.message += fmt::format(": unreachable here ({} cores, CPU-bound work)", evidence.cores);
    result.detail = fmt::format(
        "the baseline keeps a core {:.0f}% busy, so no program can be more than {}x faster on "
        "this machine's {} cores; grade this case on a machine with more cores",
        baseline_cpu * 100, evidence.cores, evidence.cores);
    return result;
  }
  // Other processes kept the CPUs full through every pair: what was measured is the machine, not the program.
  if (paired.clean == 0 && paired.busy) {
    result.data["machine_busy"] = true;
    result.cannot_judge = true;
    result.message = machine_busy(paired.runs);
    result.detail = fmt::format(
        "no pair ran on a quiet machine: in each, processes outside the run used more than "
        "{:.0f}% of the CPUs it could use while they were full ({} pairs; foreign_share in "
        "each run of the results)",
        kBusyShare * 100, paired.all.size());
    return result;
  }
  // A ceiling: more than a right program can measure is work left undone (one process printing every
  // line with short sleeps measures "20x"). Without at_most it holds for CPU-bound work only, where the
  // cores bound the speedup; references measure slightly superlinear, hence the 1.5.
  std::optional<double> ceiling = check.at_most;
  const int workers = workers_of(check, evidence);
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
      rows.push_back(fmt::format("  {} {:.3f}s / graded {:.3f}s = {:.2f}x{}", check.baseline,
                                 pair["baseline_s"].get<double>(), pair["graded_s"].get<double>(),
                                 pair["ratio"].get<double>(),
                                 pair.value("disturbed", false) ? "  (left out: the machine was not quiet)" : ""));
    result.detail = fmt::format("median of {} paired runs is {:.2f}x, below the required {:.2f}x\n{}", ratios.size(),
                                measured, threshold, fmt::join(rows, "\n"));
    result.detail += fmt::format("\nCPU utilisation: baseline {:.0f}%, graded {:.0f}% of one core", baseline_cpu * 100,
                                 graded_cpu * 100);
    // A hint for the learner only when nothing else on the machine could explain the figure.
    if (measured < 1.15 && !paired.busy && !paired.steal)
      result.detail +=
          "\nhint: the graded variant is about as fast as the baseline: is the work really split "
          "across processes that run at the same time (start all, then join all)?";
  }
  return result;
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
  const auto left_out =
      static_cast<std::size_t>(std::count_if(evidence.graded.begin(), evidence.graded.end(), disturbed));
  std::string why;
  auto report = benchmark_report(judged, "the program", why);
  auto baseline_report = baseline_runs_of == &evidence.graded
                             ? report
                             : benchmark_report(benchmark_run(*baseline_runs_of), baseline_program, why);
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
  double threshold = threshold_of(check, evidence);
  result.measured = measured;
  result.threshold = threshold;
  result.passed = measured >= threshold;
  const std::string baseline_name = check.baseline_variant.empty()
                                        ? check.baseline
                                        : fmt::format("{} of '{}'", check.baseline, check.baseline_variant);
  result.message = fmt::format("{:.2f}x {} {:.2f}x (median real time {} / {})", measured, result.passed ? ">=" : "<",
                               threshold, baseline_name, check.candidate);
  const bool steal = std::any_of(evidence.graded.begin(), evidence.graded.end(), stolen_from);
  const bool busy = std::any_of(evidence.graded.begin(), evidence.graded.end(), busy_during);
  if (left_out == evidence.graded.size())
    result.message += fmt::format(" (every run disturbed: {})", disturbance(steal, busy));
  else if (left_out > 0)
    result.message +=
        fmt::format(" ({} of {} runs left out: {})", left_out, evidence.graded.size(), disturbance(steal, busy));
  result.data = {{"baseline", check.baseline},
                 {"baseline_variant", check.baseline_variant},
                 {"candidate", check.candidate},
                 {"baseline_time", *baseline},
                 {"candidate_time", *candidate},
                 {"cores", evidence.cores},
                 {"program_runs", evidence.graded.size()},
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

bool disturbed(const Run& run) { return stolen_from(run) || busy_during(run); }

std::vector<int> scaling_points(int cores) {
  std::vector<int> points;
  for (int workers = 1; workers < cores; workers *= 2) points.push_back(workers);
  points.push_back(std::max(1, cores));
  return points;
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
  double threshold = threshold_of(check, evidence);
  return interval && interval->first < threshold && threshold <= interval->second;
}

// How the graded variant's time falls as it gets more CPUs, against Amdahl's law (docs/extensions.md, "scaling").
CheckResult check_scaling(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  const double most = check.max_serial_fraction.value_or(0);
  result.threshold = most;
  if (needs_two_cpus(result, evidence)) return result;
  // None on 2 CPUs or more: the graded variant stopped first (a timeout), which its own checks say.
  if (evidence.scaling.size() < 2 || !evidence.scaling.contains(1))
    return fail_without_runs(result, "runs on fewer CPUs");
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
      result.detail =
          "every run at some CPU count shared full CPUs with other processes: nothing of the program's "
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
      for (const auto& [workers, runs] : used)
        own.emplace_back(workers, used.at(1)[r]->wall_s / std::max(runs[r]->wall_s, 1e-9));
      if (auto f = amdahl_serial_fraction(own)) fits.push_back(*f);
    }
    interval = speedup_interval(fits);
  }
  result.measured = *fitted;
  result.passed = *fitted <= most;
  const std::string range = interval ? fmt::format(" [{:.2f}, {:.2f}]", interval->first, interval->second) : "";
  result.message = fmt::format("serial fraction {:.2f}{} {} {:.2f} (CPUs {})", *fitted, range,
                               result.passed ? "<=" : ">", most, fmt::join(shown, ", "));
  if (!interval) result.message += fmt::format(": {} points, an interval needs 3", points.size());
  if (left_out > 0)
    result.message += fmt::format(" ({} of {} runs left out: {})", left_out, all.size(), disturbance(!busy, busy));
  result.data = {{"points", rows},
                 {"serial_fraction", *fitted},
                 {"max_serial_fraction", most},
                 {"cores", evidence.cores},
                 {"disturbed_runs", left_out}};
  if (interval) result.data["interval"] = {interval->first, interval->second};
  if (!fits.empty()) result.data["fits"] = fits;
  if (!result.passed) {
    std::vector<std::string> table;
    for (const auto& row : rows)
      table.push_back(fmt::format("  {} CPU(s): {:.3f}s, {:.2f}x (ideal {}x)", row["workers"].get<int>(),
                                  row["wall_s"].get<double>(), row["speedup"].get<double>(),
                                  row["workers"].get<int>()));
    result.detail = fmt::format(
        "Amdahl's law fitted to the median times gives a serial fraction of {:.2f}: {:.0f}% of the work does not get "
        "faster with more CPUs (at most {:.0f}% here)\n{}",
        *fitted, *fitted * 100, most * 100, fmt::join(table, "\n"));
    if (left_out == 0)
      result.detail +=
          "\nhint: does the program split its work across as many processes as it has CPUs (PAREX_CORES), "
          "and start them all before it waits for any?";
  }
  return result;
}

}  // namespace parex
