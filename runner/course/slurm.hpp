// grade-class's Slurm back end: how a class's tasks are started and awaited on a cluster (docs/grading-at-scale.md).
// One job array, a task per learner; each task runs `parex grade-class --slurm-task`, which builds and grades that
// learner on the node it got; the results land in the shared output folder, where the submitting parex reads them.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parex {

struct SlurmOptions {
  std::string partition;   // --partition: where timed runs get nodes of one hardware class
  std::string constraint;  // --constraint: a node feature, the other way to ask for one hardware class
  std::string account;     // --account, where the cluster bills jobs to one
  int cpus = 0;            // CPUs each task is bound to (srun --cpu-bind=cores); 0: the whole node it holds
  std::string time_limit;  // --time, in Slurm's format; empty: derived from the cases' timeouts and repetitions
  double poll_s = 2;       // how often squeue is asked while the job runs
};

// What `sbatch` is asked: the array of `tasks`, each running `command` (its arguments, quoted here), exclusive nodes,
// requeued when a node fails, its output in `dir`.
struct SlurmJob {
  std::vector<std::string> command;
  int tasks = 0;
  int time_limit_s = 0;
  std::filesystem::path dir;
};

// Seconds in a Slurm time limit: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S"; nullopt if it is none of them.
std::optional<int> parse_slurm_time(const std::string& text);

// The sbatch command line that submits `job` (its script already written at `script`).
std::vector<std::string> sbatch_command(const SlurmJob& job, const SlurmOptions& options,
                                        const std::filesystem::path& script);

// The batch script every task of `job` runs: its command, bound to `options.cpus` cores when given.
std::string slurm_script(const SlurmJob& job, const SlurmOptions& options);

// Throws, saying what to install, when Slurm's commands (sbatch, squeue) are not on PATH.
void require_slurm_commands();

// Submits `job` and waits until none of its tasks is pending, running or requeued; `progress` is called after each
// poll. Returns the job id; throws when Slurm's commands are missing or refuse the job.
std::string run_slurm_job(const SlurmJob& job, const SlurmOptions& options, const std::function<void()>& progress);

// The Slurm array task this process runs in, from Slurm's environment; nullopt outside one.
struct SlurmTask {
  std::string job;   // SLURM_ARRAY_JOB_ID: the array's id
  int task = 0;      // SLURM_ARRAY_TASK_ID
  int restarts = 0;  // SLURM_RESTART_COUNT: how often it was requeued (its node failed)
};
std::optional<SlurmTask> slurm_array_task();

}  // namespace parex
