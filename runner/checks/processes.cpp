// Process checks: how many processes a run had at once and where its tasks ran (probes), and whether a child's
// change to a variable stayed out of its parent (isolation).
#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/internal.hpp"

namespace parex {
namespace {

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
                               span.start && span.end ? fmt::format("pid {}, {:.3f}s to {:.3f}s", span.start->pid,
                                                                    vouched_time(*span.start), vouched_time(*span.end))
                                                      : "never started and ended"));
  }
  std::map<int, std::string> by_writer;
  double latest_start = -1e300, earliest_end = 1e300, shortest = 1e300;
  for (const auto& task : check.tasks) {
    const Span& span = spans[task];
    if (!span.start || !span.end)
      return fmt::format(
          "task '{}' never ran: no task_start and task_end probes of it (the exercise's task functions "
          "record them: call them, rather than print their lines yourself)",
          task);
    if (writer_of(*span.start) != writer_of(*span.end))
      return fmt::format("task '{}' started in pid {} and ended in pid {}", task, span.start->pid, span.end->pid);
    if (writer_of(*span.start) == main_of(run))
      return fmt::format("task '{}' ran in the main process, not in a process of its own", task);
    if (auto [it, fresh] = by_writer.emplace(writer_of(*span.start), task); !fresh)
      return fmt::format("tasks '{}' and '{}' ran in the same process (pid {}): each needs a process of its own",
                         it->second, task, span.start->pid);
    latest_start = std::max(latest_start, vouched_time(*span.start));
    earliest_end = std::min(earliest_end, vouched_time(*span.end));
    shortest = std::min(shortest, vouched_time(*span.end) - vouched_time(*span.start));
  }
  together = shortest > 0 ? std::max(0.0, earliest_end - latest_start) / shortest : 1.0;
  if (together < check.min_overlap)
    return fmt::format(
        "the tasks ran at the same time for {:.0f}% of the shortest, less than min_overlap = {:.0f}%: "
        "start every process before joining any",
        together * 100, check.min_overlap * 100);
  return {};
}

}  // namespace

CheckResult check_processes(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (evidence.graded.empty()) return fail_without_runs(result, "runs");
  // An MPI run's count is its ranks' processes: mpirun, the launcher, is not one of the program's.
  auto program_processes = [](const Run& run) { return run.peak_processes - (run.ranks > 0 ? 1 : 0); };
  int fewest = std::numeric_limits<int>::max();
  std::size_t worst = 0;
  for (std::size_t r = 0; r < evidence.graded.size(); ++r)
    if (program_processes(evidence.graded[r]) < fewest) fewest = program_processes(evidence.graded[r]), worst = r;
  result.measured = fewest;
  result.threshold = check.min_peak;
  result.passed = fewest >= check.min_peak;
  result.data = {{"peaks", nlohmann::json::array()}};
  for (const auto& run : evidence.graded) result.data["peaks"].push_back(program_processes(run));
  if (result.passed && !check.tasks.empty()) {
    double least_together = 1;
    for (std::size_t r = 0; r < evidence.graded.size(); ++r) {
      std::vector<std::string> rows;
      double together = 0;
      const std::string wrong = judge_tasks(check, evidence.graded[r], rows, together);
      if (!wrong.empty()) {
        result.passed = false;
        result.message = fmt::format("run {}: {}", r + 1, wrong);
        result.detail = fmt::format(
            "the tasks, from the probes of the case's shared code (times as the runner received "
            "them):\n{}",
            fmt::join(rows, "\n"));
        result.data["run"] = r;
        return result;
      }
      least_together = std::min(least_together, together);
    }
    result.message = fmt::format(
        "{} run(s): at least {} process(es) at once; {} each in a process of its own, together "
        "for at least {:.0f}% of the shortest",
        evidence.graded.size(), fewest, fmt::join(check.tasks, ", "), least_together * 100);
    result.data["together"] = least_together;
  } else if (result.passed) {
    result.message = fmt::format("{} run(s): at least {} process(es) at once{}", evidence.graded.size(), fewest,
                                 evidence.ranks > 0 ? " (MPI ranks and theirs, mpirun not counted)" : "");
  } else {
    result.message =
        fmt::format("run {}: at most {} process(es) at once, fewer than {}", worst + 1, fewest, check.min_peak);
    result.detail = fmt::format(
        "the exercise asks for its work in {} processes alive at the same time (the main one "
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
    auto is_main = [&](const ProbeRecord* record) {
      return writer_of(*record) == main_of(run) && record->tid == run.pid;
    };
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
      fail(
          fmt::format("the main process did not report '{}' before another process did: probe it before starting "
                      "any process",
                      check.probe));
      continue;
    }
    const std::string& v0 = records.front()->value;
    auto changed =
        std::find_if(records.begin(), records.end(), [&](auto* rec) { return !is_main(rec) && rec->value != v0; });
    if (changed == records.end()) {
      fail(fmt::format("no other process reported a value other than {}: the child did not change '{}'", v0,
                       check.probe));
      continue;
    }
    auto last_child = std::find_if(records.rbegin(), records.rend(), [&](auto* rec) { return !is_main(rec); });
    auto after = std::find_if(last_child.base(), records.end(), [&](auto* rec) { return is_main(rec); });
    if (after == records.end()) {
      fail(
          fmt::format("the main process did not report '{}' after the last record of another process: probe it "
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
    result.message =
        fmt::format("parent kept {} while pid {} changed it to {}", v0, (*changed)->pid, (*changed)->value);
  }
  if (result.passed) result.message = fmt::format("{} run(s): {}", evidence.graded.size(), result.message);
  int forged = 0;
  for (const auto& run : evidence.graded) forged += run.probes_forged;
  if (forged > 0)
    result.message += fmt::format(" ({} record(s) left out: sent by another process than the one they name)", forged);
  return result;
}

}  // namespace parex
