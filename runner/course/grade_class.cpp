#include "course/grade_class.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "base/install_paths.hpp"
#include "build/build.hpp"
#include "course/intake.hpp"
#include "course/submission.hpp"
#include "report/csv.hpp"
#include "report/results.hpp"
#include "spawn/sysinfo.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// A progress line on a terminal, with an estimate of the time left; nothing elsewhere.
class Progress {
 public:
  Progress(std::string what, int total) : what_(std::move(what)), total_(total), tty_(::isatty(STDERR_FILENO)) {}
  void step(int done, const std::string& who) {
    if (!tty_ || total_ == 0) return;
    const double elapsed = since(start_);
    const double left = done > 0 ? elapsed / done * (total_ - done) : 0;
    const int width = 30, filled = width * done / total_;
    fmt::print(stderr, "\r{} [{}{}] {}/{} {:<20.20} ETA {:.0f} s   ", what_, std::string(filled, '#'),
               std::string(width - filled, '.'), done, total_, who, left);
    if (done == total_) fmt::print(stderr, "\n");
  }

 private:
  std::string what_;
  int total_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
};

// What grades one learner: the shared options of every back end.
SubmissionOptions options_for(const ClassOptions& options, const std::string& learner, double budget_s) {
  SubmissionOptions o;
  o.budget_s = budget_s;
  o.catalogs = options.catalogs;
  o.submission = options.submissions / learner;
  o.results = options.out / "learners" / learner / "results";
  o.cases = options.cases;
  o.python = options.python;
  o.pass_env = options.pass_env;
  o.quiet = true;
  o.sandbox = options.sandbox;
  o.hide = {fs::absolute(options.submissions), fs::absolute(options.out)};
  return o;
}

// The local back end, and what a Slurm task runs for its one learner: builds in parallel, then the timed runs one
// submission at a time, nothing else of ours beside them. A submission whose files, catalog, parex and compiler are
// those of its last grade (and that grade was not flagged) is not graded again.
void grade_here(const ClassOptions& options, const std::vector<CaseSpec>& specs,
                const std::vector<std::string>& learners, double budget_s, ClassReport& report) {
  const auto build_start = Clock::now();
  std::vector<std::optional<PreparedSubmission>> prepared(learners.size());
  std::vector<bool> cached(learners.size(), false);
  std::atomic<std::size_t> next{0};
  std::atomic<int> built{0};
  std::mutex progress_lock;
  Progress build_progress("building", static_cast<int>(learners.size()));
  const int jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  auto builder = [&] {
    for (std::size_t i = next++; i < learners.size(); i = next++) {
      const auto o = options_for(options, learners[i], budget_s);
      auto skip = [&](const std::string& key) {
        if (options.regrade) return false;
        auto previous = read_json(o.results / "submission.json");
        return previous && !previous->value("flagged", true) && previous->contains("audit") &&
               (*previous)["audit"].value("cache_key", "") == key;
      };
      try {
        prepared[i] = prepare_submission(specs, o, skip);
        cached[i] = prepared[i]->skipped;
      } catch (const std::exception& e) {
        fmt::print(stderr, "parex grade-class: {}: {}\n", learners[i], e.what());
      }
      std::lock_guard lock(progress_lock);
      build_progress.step(++built, learners[i]);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min<int>(jobs, static_cast<int>(learners.size())); ++t) threads.emplace_back(builder);
  for (auto& thread : threads) thread.join();
  report.build_s += since(build_start);

  const auto run_start = Clock::now();
  Progress run_progress("grading", static_cast<int>(learners.size()));
  for (std::size_t i = 0; i < learners.size(); ++i) {
    if (cached[i]) {
      ++report.cached;
    } else if (prepared[i]) {
      // Workspaces are removed after the timed phase, not between its runs.
      auto o = options_for(options, learners[i], budget_s);
      o.keep_work = true;
      SubmissionReport graded = run_submission(*prepared[i], specs, o);
      report.run_sum_s += graded.run_s;
      report.flagged += graded.flagged;
      ++report.graded;
    }
    run_progress.step(static_cast<int>(i) + 1, learners[i]);
  }
  report.run_s += since(run_start);
  std::error_code ec;  // what a build left there cannot stop the class
  for (const auto& p : prepared)
    if (p && !p->skipped) fs::remove_all(p->work, ec);
}

// Where a Slurm task says what it did, for the parex that submitted the job: <out>/.slurm/tasks/<learner>.json.
fs::path task_record(const ClassOptions& options, const std::string& learner) {
  return options.out / ".slurm" / "tasks" / (learner + ".json");
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The last `count` lines of a file, indented, for a message.
std::string tail_of(const fs::path& path, std::size_t count) {
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out;
  for (const auto& line : last_lines(text, count)) out += "    " + line + "\n";
  return out;
}

// A Slurm array task: grade the one learner on its line of the task list, here, and say so for the submitter.
ClassReport grade_task(const ClassOptions& options, const std::vector<CaseSpec>& specs) {
  const auto slurm = slurm_array_task();
  if (!slurm) throw std::invalid_argument("--slurm-task is for a Slurm array task: SLURM_ARRAY_TASK_ID is not set");
  const auto learners = read_lines(options.task_list);
  if (slurm->task >= static_cast<int>(learners.size()))
    throw std::invalid_argument(fmt::format("task {} has no line in {} ({} learners)", slurm->task,
                                            options.task_list.string(), learners.size()));
  const std::string& learner = learners[static_cast<std::size_t>(slurm->task)];
  ClassReport report;
  report.learners = 1;
  // The grade must end before Slurm's time limit kills the task: cases past the budget are `error`, not lost.
  double budget_s = 0;
  if (const char* limit = std::getenv("PAREX_SLURM_BUDGET_S")) budget_s = std::atof(limit);
  grade_here(options, specs, {learner}, budget_s, report);
  const nlohmann::json record = {{"learner", learner},
                                 {"job", slurm->job},
                                 {"task", slurm->task},
                                 {"restarts", slurm->restarts},
                                 {"node", machine_info().hostname},
                                 {"cpus", usable_cpus()},
                                 {"graded", report.graded},
                                 {"cached", report.cached},
                                 {"flagged", report.flagged},
                                 {"build_s", report.build_s},
                                 {"run_s", report.run_s},
                                 {"run_sum_s", report.run_sum_s}};
  fs::create_directories(task_record(options, learner).parent_path());
  write_file_atomically(task_record(options, learner), dump_json(record, 1) + "\n");
  return report;
}

// The Slurm back end: a job array of `learners`, each task `parex grade-class --slurm-task` on a node of its own.
void grade_on_slurm(const ClassOptions& options, const std::vector<CaseSpec>& specs,
                    const std::vector<std::string>& learners, ClassReport& report) {
  // Refused before anything is written or submitted.
  require_slurm_commands();
  int time_limit_s = class_task_seconds(specs);
  if (!options.slurm.time_limit.empty()) {
    const auto seconds = parse_slurm_time(options.slurm.time_limit);
    if (!seconds || *seconds <= 0)
      throw std::invalid_argument(fmt::format(
          "--time-limit {}: not a Slurm time (minutes, M:S, H:M:S, D-H, D-H:M, D-H:M:S)", options.slurm.time_limit));
    time_limit_s = *seconds;
  }
  // An MPI case's ranks run inside the task, mpirun started by its grade, never by srun (a run's network is loopback
  // only): a task bound to fewer cores than a graded variant's ranks would run fewer ranks, so it gets that many.
  SlurmOptions slurm = options.slurm;
  int ranks = 0;
  for (const auto& spec : specs) ranks = std::max(ranks, spec.most_ranks());
  if (slurm.cpus > 0 && slurm.cpus < ranks) {
    fmt::print(stderr, "parex grade-class: --cpus {} raised to {}: a graded variant runs {} MPI ranks\n", slurm.cpus,
               ranks, ranks);
    slurm.cpus = ranks;
  }
  if (learners.empty()) return;
  const fs::path dir = fs::absolute(options.out) / ".slurm";
  fs::create_directories(dir / "tasks");
  std::string list;
  for (const auto& learner : learners) {
    if (learner.find('\n') != std::string::npos)
      throw std::invalid_argument("a learner's folder name has a line break");
    list += learner + "\n";
    fs::remove(task_record(options, learner));  // a record from an earlier job must not pass for this one's
  }
  write_file_atomically(dir / "learners.txt", list);

  SlurmJob job;
  job.dir = dir;
  job.tasks = static_cast<int>(learners.size());
  job.time_limit_s = time_limit_s;
  job.command = {fs::read_symlink("/proc/self/exe").string(), "grade-class"};
  for (const auto& catalog : options.catalogs) job.command.push_back(fs::absolute(catalog).string());
  job.command.insert(job.command.end(),
                     {fs::absolute(options.submissions).string(), "--out", fs::absolute(options.out).string(),
                      "--slurm-task", (dir / "learners.txt").string(), "--no-pages"});
  for (const auto& c : options.cases) job.command.insert(job.command.end(), {"--case", c});
  if (!options.python.empty()) job.command.insert(job.command.end(), {"--python", options.python});
  for (const auto& name : options.pass_env) job.command.insert(job.command.end(), {"--pass-env", name});
  if (options.regrade) job.command.push_back("--regrade");
  if (!options.sandbox) job.command.push_back("--no-sandbox");
  if (options.require_sandbox) job.command.push_back("--require-sandbox");
  if (options.jobs > 0) job.command.insert(job.command.end(), {"--jobs", std::to_string(options.jobs)});
  // The task stops grading a minute before Slurm would kill it (10% of a short limit), so that its results are written.
  job.command.insert(job.command.begin(),
                     {"env", fmt::format("PAREX_SLURM_BUDGET_S={}",
                                         std::max(30, job.time_limit_s - std::max(60, job.time_limit_s / 10)))});

  const auto start = Clock::now();
  Progress progress("grading on slurm", static_cast<int>(learners.size()));
  auto done = [&] {
    int n = 0;
    for (const auto& learner : learners) n += fs::exists(task_record(options, learner));
    return n;
  };
  const std::string id = run_slurm_job(job, slurm, [&] { progress.step(done(), ""); });
  report.run_s = since(start);
  report.slurm_job = id;
  fmt::print(stderr, "parex grade-class: Slurm job {} ended: {} of {} tasks left a result\n", id, done(),
             learners.size());
  for (std::size_t i = 0; i < learners.size(); ++i) {
    auto record = read_json(task_record(options, learners[i]));
    if (!record) {
      const fs::path log = dir / fmt::format("task-{}_{}.out", id, i);
      fmt::print(stderr, "parex grade-class: {}: task {} of job {} ended without a result; its output ({}):\n{}",
                 learners[i], i, id, log.string(), tail_of(log, 5));
      ++report.flagged;  // never graded: its rows in grades.csv say error
      continue;
    }
    report.graded += record->value("graded", 0);
    report.cached += record->value("cached", 0);
    report.flagged += record->value("flagged", 0);
    report.build_s = std::max(report.build_s, record->value("build_s", 0.0));
    report.run_sum_s += record->value("run_sum_s", 0.0);
  }
}

}  // namespace

int class_task_seconds(const std::vector<CaseSpec>& specs) {
  double seconds = 60;  // the task's start, and what the budget leaves to write the results
  for (const auto& spec : specs) {
    int pairs = spec.repetitions;
    bool scaling = false;
    for (const auto& check : spec.checks) {
      if (check.kind == CheckKind::speedup)
        pairs = std::max(pairs, check.max_repetitions.value_or(2 * spec.repetitions));
      scaling |= check.kind == CheckKind::scaling;
    }
    const double participants = static_cast<double>(spec.baselines().size()) + 1;
    // Every run at its timeout is the bound; scaling adds a repetition's runs at each CPU count (up to 8 counts).
    seconds += 120 + spec.timeout_s * (participants * (pairs + spec.warmup) + (scaling ? 8.0 * spec.repetitions : 0));
  }
  return static_cast<int>(std::ceil(seconds));
}

ClassReport grade_class(const ClassOptions& options) {
  if (!fs::is_directory(options.submissions))
    throw std::invalid_argument(
        fmt::format("{} is not a folder of submissions (one folder per learner)", options.submissions.string()));
  const auto specs = submission_cases(options.catalogs, options.cases);
  if (!options.task_list.empty()) return grade_task(options, specs);
  std::vector<std::string> learners;
  ClassReport report;
  for (const auto& entry : fs::directory_iterator(options.submissions)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) continue;
    // A learner's folder that is a link could be another's, or anything on the machine; a name with a line break
    // would forge a row of every list that names it.
    if (entry.is_symlink()) {
      fmt::print(stderr, "parex grade-class: refused {}: it is a link, not a folder (links are not followed)\n",
                 nlohmann::json(name).dump());
      ++report.refused;
    } else if (has_control_character(name)) {
      fmt::print(stderr,
                 "parex grade-class: refused {}: its name has a control character (a line break, a tab, an "
                 "escape); rename the folder\n",
                 nlohmann::json(name).dump());
      ++report.refused;
    } else if (entry.is_directory()) {
      learners.push_back(name);
    }
  }
  std::sort(learners.begin(), learners.end());
  report.learners = static_cast<int>(learners.size());
  report.flagged += report.refused;
  fs::create_directories(options.out / "learners");

  if (options.on == "slurm")
    grade_on_slurm(options, specs, learners, report);
  else
    grade_here(options, specs, learners, 0, report);

  // grades.csv from every learner's submission.json, cached ones included. A learner names their own folder, so
  // every text cell goes through csv_text: a name such as =HYPERLINK(...) or "a,b" must stay one cell of one row.
  std::string csv = "learner,case,score,max_score,status\n";
  nlohmann::json summary = nlohmann::json::array();
  for (const auto& learner : learners) {
    auto graded = read_json(options.out / "learners" / learner / "results" / "submission.json");
    if (!graded) {
      for (const auto& spec : specs)
        csv += csv_row({csv_text(learner), csv_text(spec.name), "", "", csv_text("error")});
      continue;
    }
    for (const auto& c : (*graded)["cases"]) {
      const auto& score = c["score"];
      csv += csv_row({csv_text(learner), csv_text(c["case"].get<std::string>()),
                      score.is_null() ? std::string() : csv_number(score.get<double>()),
                      csv_number(c["max_score"].get<double>()), csv_text(c["status"].get<std::string>())});
    }
    summary.push_back({{"learner", learner},
                       {"score", (*graded)["score"]},
                       {"max_score", (*graded)["max_score"]},
                       {"flagged", (*graded)["flagged"]}});
  }
  write_file_atomically(options.out / "grades.csv", csv);
  write_file_atomically(options.out / "class.json", dump_json({{"schema", "parex-class/1"},
                                                               {"learners", summary},
                                                               {"timing",
                                                                {{"build_phase_s", report.build_s},
                                                                 {"timed_phase_s", report.run_s},
                                                                 {"timed_runs_sum_s", report.run_sum_s},
                                                                 {"graded", report.graded},
                                                                 {"cached", report.cached}}}},
                                                              1) +
                                                        "\n");

  // Pages: each learner's own (their results alone), and the class page (all of them, for the grader).
  if (options.pages) {
    const std::string python = report_python(true);
    const fs::path reports = reports_dir();
    if (python.empty()) {
      fmt::print(stderr, "parex grade-class: no Python 3 with Jinja2, so no pages: apt-get install python3-jinja2\n");
    } else {
      for (const auto& learner : learners) {
        const fs::path dir = options.out / "learners" / learner;
        if (!fs::is_directory(dir / "results")) continue;
        auto page = run_build_command(
            {python, (reports / "render.py").string(), (dir / "results").string(), "--out", (dir / "report").string()});
        if (!page.ok) fmt::print(stderr, "parex grade-class: {}'s page: {}\n", learner, page.log);
      }
      auto page = run_build_command({python, (reports / "class_report.py").string(), options.out.string()});
      if (!page.ok) fmt::print(stderr, "parex grade-class: the class page: {}\n", page.log);
    }
  }
  return report;
}

}  // namespace parex
