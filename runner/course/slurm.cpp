#include "course/slurm.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "build/build.hpp"
#include "match/regex.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

// 'text' for /bin/sh: single quotes, a quote inside closed and escaped.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::optional<int> parse_slurm_time(const std::string& text) {
  // Slurm's forms (sbatch(1), --time): minutes, minutes:seconds, hours:minutes:seconds, days-hours,
  // days-hours:minutes, days-hours:minutes:seconds.
  static const regex::Pattern plain(R"(^(\d{1,6})(?::(\d{1,6}))?(?::(\d{1,6}))?$)"),
      days(R"(^(\d{1,6})-(\d{1,6})(?::(\d{1,6}))?(?::(\d{1,6}))?$)");
  std::optional<regex::Pattern::Found> m;
  auto num = [&](std::size_t i) {
    const auto& group = m->groups[i - 1];
    return group ? std::stoi(text.substr(group->pos, group->len)) : 0;
  };
  if ((m = days.find(text))) return ((num(1) * 24 + num(2)) * 60 + num(3)) * 60 + num(4);
  if (!(m = plain.find(text))) return std::nullopt;
  if (m->groups[2]) return (num(1) * 60 + num(2)) * 60 + num(3);  // H:M:S
  return num(1) * 60 + num(2);                                    // M or M:S
}

std::vector<std::string> sbatch_command(const SlurmJob& job, const SlurmOptions& options, const fs::path& script) {
  std::vector<std::string> args = {
      "sbatch", "--parsable", fmt::format("--array=0-{}", job.tasks - 1),
      // A node of its own: timed runs beside another job's would measure that job.
      "--exclusive",
      // A task whose node failed is run again, from the start, on another (or the same, back) node.
      "--requeue", "--job-name=parex-grade-class", fmt::format("--output={}", (job.dir / "task-%A_%a.out").string()),
      // A requeued task's first attempt stays in its log, above the second.
      "--open-mode=append", fmt::format("--chdir={}", job.dir.string()),
      fmt::format("--time={}", (job.time_limit_s + 59) / 60)};
  if (options.cpus > 0) args.push_back(fmt::format("--cpus-per-task={}", options.cpus));
  if (!options.partition.empty()) args.push_back("--partition=" + options.partition);
  if (!options.constraint.empty()) args.push_back("--constraint=" + options.constraint);
  if (!options.account.empty()) args.push_back("--account=" + options.account);
  args.push_back(script.string());
  return args;
}

std::string slurm_script(const SlurmJob& job, const SlurmOptions& options) {
  std::vector<std::string> quoted;
  for (const auto& arg : job.command) quoted.push_back(shell_quote(arg));
  // With --cpus, the grade runs as a job step bound to that many cores; the runner then counts exactly those (its
  // one rule for cores: cpuset, affinity, quota). Without, it holds the whole node the --exclusive job got.
  const std::string step =
      options.cpus > 0 ? fmt::format("srun --ntasks=1 --cpus-per-task={} --cpu-bind=cores ", options.cpus) : "";
  return fmt::format(
      "#!/bin/sh\n"
      "# Written by parex grade-class --on slurm: array task $SLURM_ARRAY_TASK_ID grades the learner on that line\n"
      "# of the task list, on this node; see docs/grading-at-scale.md.\n"
      "echo \"parex task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname), restart "
      "${{SLURM_RESTART_COUNT:-0}}\"\n"
      "exec {}{}\n",
      step, fmt::join(quoted, " "));
}

std::optional<SlurmTask> slurm_array_task() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* job = std::getenv("SLURM_ARRAY_JOB_ID");
  if (!id || !*id || !job) return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(id, &end, 10);
  if (*end || value < 0) return std::nullopt;
  const char* restarts = std::getenv("SLURM_RESTART_COUNT");
  return SlurmTask{job, static_cast<int>(value), restarts ? std::atoi(restarts) : 0};
}

void require_slurm_commands() {
  for (const char* tool : {"sbatch", "squeue"})
    if (find_on_path(tool).empty())
      throw std::invalid_argument(
          fmt::format("--on slurm needs Slurm's commands, and {} is not on PATH (Debian: apt-get "
                      "install slurm-client; on a cluster, a login node has them)",
                      tool));
}

std::string run_slurm_job(const SlurmJob& job, const SlurmOptions& options, const std::function<void()>& progress) {
  require_slurm_commands();
  fs::create_directories(job.dir);
  const fs::path script = job.dir / "grade.sh";
  {
    std::ofstream out(script, std::ios::trunc);
    out << slurm_script(job, options);
  }
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  const auto submitted = run_build_command(sbatch_command(job, options, script));
  if (!submitted.ok) throw std::runtime_error(fmt::format("sbatch refused the class's job: {}", submitted.log));
  // --parsable: "<job id>[;<cluster>]"
  std::string id = submitted.log.substr(0, submitted.log.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error(fmt::format("sbatch did not say a job id: {}", submitted.log));

  // Until squeue lists none of its tasks in a state that still leads somewhere. A requeued task (its node failed) is
  // PENDING again; squeue forgets finished tasks, so an empty answer, given twice, means every task has ended.
  int empty = 0, failures = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_s));
    // squeue's default states are the unfinished ones (pending, running, completing, requeued, suspended, ...).
    const auto listed = run_build_command({"squeue", "--noheader", "--array", "--jobs=" + id, "--format=%i %T"});
    if (progress) progress();
    if (!listed.ok) {
      // A job that has left the controller's memory makes squeue say "Invalid job id": it has ended.
      if (listed.log.find("Invalid job id") != std::string::npos) break;
      if (++failures >= 30)
        throw std::runtime_error(fmt::format("squeue failed 30 times in a row for job {}: {}", id,
                                             fmt::join(last_lines(listed.log, 3), "\n")));
      continue;
    }
    failures = 0;
    empty = listed.log.find_first_not_of(" \n") == std::string::npos ? empty + 1 : 0;
    if (empty >= 2) break;
  }
  return id;
}

}  // namespace parex
