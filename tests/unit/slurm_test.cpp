#include <gtest/gtest.h>

#include <algorithm>

#include "course/grade_class.hpp"
#include "course/slurm.hpp"

using namespace parex;

TEST(Slurm, TimeLimitsInEverySlurmForm) {
  EXPECT_EQ(parse_slurm_time("30"), 30 * 60);          // minutes
  EXPECT_EQ(parse_slurm_time("30:15"), 30 * 60 + 15);  // minutes:seconds
  EXPECT_EQ(parse_slurm_time("2:30:15"), (2 * 60 + 30) * 60 + 15);
  EXPECT_EQ(parse_slurm_time("1-2"), 26 * 3600);  // days-hours
  EXPECT_EQ(parse_slurm_time("1-2:30"), 26 * 3600 + 30 * 60);
  EXPECT_EQ(parse_slurm_time("1-2:30:15"), 26 * 3600 + 30 * 60 + 15);
  for (const char* bad : {"", "ten", "1:2:3:4", "-5", "1-", "5m"}) EXPECT_FALSE(parse_slurm_time(bad)) << bad;
}

TEST(Slurm, TheJobIsAnArrayOfExclusiveRequeuedTasks) {
  SlurmJob job;
  job.tasks = 10;
  job.time_limit_s = 601;
  job.dir = "/shared/out/.slurm";
  SlurmOptions options;
  options.partition = "timed";
  options.constraint = "xeon6248";
  auto args = sbatch_command(job, options, "/shared/out/.slurm/grade.sh");
  auto has = [&](const std::string& arg) { return std::find(args.begin(), args.end(), arg) != args.end(); };
  EXPECT_EQ(args.front(), "sbatch");
  EXPECT_EQ(args.back(), "/shared/out/.slurm/grade.sh");
  for (const char* arg : {"--array=0-9", "--exclusive", "--requeue", "--time=11", "--partition=timed",
                          "--constraint=xeon6248", "--output=/shared/out/.slurm/task-%A_%a.out", "--open-mode=append"})
    EXPECT_TRUE(has(arg)) << arg;
  EXPECT_FALSE(has("--cpus-per-task=0"));
  options.cpus = 4;
  args = sbatch_command(job, options, "grade.sh");
  EXPECT_TRUE(has("--cpus-per-task=4"));
}

TEST(Slurm, TheScriptQuotesItsCommandAndBindsCoresWhenAsked) {
  SlurmJob job;
  job.command = {"/opt/parex", "grade-class", "/course/it's here", "--out", "/o"};
  SlurmOptions options;
  std::string script = slurm_script(job, options);
  EXPECT_NE(script.find("exec '/opt/parex' 'grade-class' '/course/it'\\''s here' '--out' '/o'\n"), std::string::npos)
      << script;
  EXPECT_EQ(script.find("srun"), std::string::npos);
  options.cpus = 4;
  script = slurm_script(job, options);
  EXPECT_NE(script.find("exec srun --ntasks=1 --cpus-per-task=4 --cpu-bind=cores '/opt/parex'"), std::string::npos)
      << script;
}

TEST(Slurm, ATaskTimeLimitCoversEveryRunAtItsTimeoutAndTheBuild) {
  CaseSpec quick;
  quick.name = "quick";
  quick.timeout_s = 10;
  quick.repetitions = 2;
  quick.variants["starter"].name = "starter";
  // no baseline: 2 pairs of one participant at 10 s, and 120 s for the build, and 60 s for the task
  EXPECT_EQ(class_task_seconds({quick}), 60 + 120 + 20);
  CaseSpec timed = quick;
  timed.variants["serial"].name = "serial";
  CheckSpec speedup;
  speedup.kind = CheckKind::speedup;
  speedup.baseline = "serial";
  speedup.max_repetitions = 6;
  timed.checks.push_back(speedup);
  // serial and the graded variant, 6 pairs at 10 s each
  EXPECT_EQ(class_task_seconds({timed}), 60 + 120 + 2 * 6 * 10);
}
