#include "grade_class.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build.hpp"
#include "install_paths.hpp"
#include "results.hpp"
#include "submission.hpp"

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

}  // namespace

ClassReport grade_class(const ClassOptions& options) {
  if (!fs::is_directory(options.submissions))
    throw std::invalid_argument(fmt::format("{} is not a folder of submissions (one folder per learner)",
                                            options.submissions.string()));
  const auto specs = submission_cases(options.catalogs, options.cases);
  std::vector<std::string> learners;
  for (const auto& entry : fs::directory_iterator(options.submissions))
    if (entry.is_directory() && !entry.path().filename().string().starts_with(".")) learners.push_back(entry.path().filename().string());
  std::sort(learners.begin(), learners.end());
  ClassReport report;
  report.learners = static_cast<int>(learners.size());
  fs::create_directories(options.out / "learners");

  auto options_for = [&](const std::string& learner) {
    SubmissionOptions o;
    o.catalogs = options.catalogs;
    o.submission = options.submissions / learner;
    o.results = options.out / "learners" / learner / "results";
    o.cases = options.cases;
    o.python = options.python;
    o.quiet = true;
    o.sandbox = options.sandbox;
    o.hide = {fs::absolute(options.submissions), fs::absolute(options.out)};
    return o;
  };

  // Phase 1: every build, in parallel. A submission whose files, catalog, parex and compiler are those of
  // its last grade (and that grade was not flagged) is not graded again.
  const auto build_start = Clock::now();
  std::vector<std::optional<PreparedSubmission>> prepared(learners.size());
  std::vector<bool> cached(learners.size(), false);
  std::atomic<std::size_t> next{0};
  std::atomic<int> built{0};
  std::mutex progress_lock;
  Progress build_progress("building", report.learners);
  const int jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  auto builder = [&] {
    for (std::size_t i = next++; i < learners.size(); i = next++) {
      const auto o = options_for(learners[i]);
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
  report.build_s = since(build_start);

  // Phase 2: the timed runs, one submission at a time, nothing else of ours running beside them.
  const auto run_start = Clock::now();
  Progress run_progress("grading", report.learners);
  for (std::size_t i = 0; i < learners.size(); ++i) {
    if (cached[i]) {
      ++report.cached;
    } else if (prepared[i]) {
      // Workspaces are removed after the timed phase, not between its runs.
      auto o = options_for(learners[i]);
      o.keep_work = true;
      SubmissionReport graded = run_submission(*prepared[i], specs, o);
      report.run_sum_s += graded.run_s;
      report.flagged += graded.flagged;
      ++report.graded;
    }
    run_progress.step(static_cast<int>(i) + 1, learners[i]);
  }
  report.run_s = since(run_start);
  for (const auto& p : prepared)
    if (p && !p->skipped) fs::remove_all(p->work);

  // grades.csv from every learner's submission.json, cached ones included.
  std::string csv = "learner,case,score,max_score,status\n";
  nlohmann::json summary = nlohmann::json::array();
  for (const auto& learner : learners) {
    auto graded = read_json(options.out / "learners" / learner / "results" / "submission.json");
    if (!graded) {
      for (const auto& spec : specs) csv += fmt::format("{},{},,,error\n", learner, spec.name);
      continue;
    }
    for (const auto& c : (*graded)["cases"]) {
      const auto& score = c["score"];
      csv += fmt::format("{},{},{},{:g},{}\n", learner, c["case"].get<std::string>(),
                         score.is_null() ? std::string() : fmt::format("{:g}", score.get<double>()),
                         c["max_score"].get<double>(), c["status"].get<std::string>());
    }
    summary.push_back({{"learner", learner}, {"score", (*graded)["score"]}, {"max_score", (*graded)["max_score"]},
                       {"flagged", (*graded)["flagged"]}});
  }
  write_file_atomically(options.out / "grades.csv", csv);
  write_file_atomically(options.out / "class.json",
                        dump_json({{"schema", "parex-class/1"},
                                   {"learners", summary},
                                   {"timing", {{"build_phase_s", report.build_s}, {"timed_phase_s", report.run_s},
                                               {"timed_runs_sum_s", report.run_sum_s}, {"graded", report.graded},
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
        auto page = run_build_command({python, (reports / "render.py").string(), (dir / "results").string(), "--out",
                                       (dir / "report").string()});
        if (!page.ok) fmt::print(stderr, "parex grade-class: {}'s page: {}\n", learner, page.log);
      }
      auto page = run_build_command({python, (reports / "class_report.py").string(), options.out.string()});
      if (!page.ok) fmt::print(stderr, "parex grade-class: the class page: {}\n", page.log);
    }
  }
  return report;
}

}  // namespace parex
