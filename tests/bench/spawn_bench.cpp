// parex's per-run overhead against a bare fork+exec+wait, and the runner's memory under an output flood.
//   spawn_bench --benchmark_min_time=1 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "spawn/spawn.hpp"

namespace {

void BM_BareForkExecWait(benchmark::State& state) {
  for (auto _ : state) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(PAREX_BENCH_EMPTY, PAREX_BENCH_EMPTY, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status;
    ::waitpid(pid, &status, 0);
  }
}
BENCHMARK(BM_BareForkExecWait)->UseRealTime()->Unit(benchmark::kMicrosecond);

// What hyperfine -N and most launchers do: posix_spawn (clone(CLONE_VM | CLONE_VFORK) in glibc) and wait.
void BM_PosixSpawnWait(benchmark::State& state) {
  char* argv[] = {const_cast<char*>(PAREX_BENCH_EMPTY), nullptr};
  for (auto _ : state) {
    pid_t pid;
    if (::posix_spawn(&pid, PAREX_BENCH_EMPTY, nullptr, nullptr, argv, environ) != 0)
      state.SkipWithError("posix_spawn failed");
    int status;
    ::waitpid(pid, &status, 0);
  }
}
BENCHMARK(BM_PosixSpawnWait)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_ParexSpawn(benchmark::State& state) {
  parex::SpawnRequest request;
  request.argv = {PAREX_BENCH_EMPTY};
  for (auto _ : state) {
    parex::Run run = parex::spawn_and_record(request);
    if (run.outcome != parex::Outcome::ok) state.SkipWithError("the empty program did not run cleanly");
  }
  state.SetLabel(parex::containment_mechanism());
}
BENCHMARK(BM_ParexSpawn)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The two spawn paths alternated run by run, so that both see the same machine (its speed drifts by
// +-15% over seconds on a shared VM): the median of the per-pair ratios, parex / posix_spawn.
void BM_ParexVsPosixSpawnPaired(benchmark::State& state) {
  parex::SpawnRequest request;
  request.argv = {PAREX_BENCH_EMPTY};
  char* argv[] = {const_cast<char*>(PAREX_BENCH_EMPTY), nullptr};
  std::vector<double> ratios, parex_us, posix_us;
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    auto start = Clock::now();
    pid_t pid;
    if (::posix_spawn(&pid, PAREX_BENCH_EMPTY, nullptr, nullptr, argv, environ) != 0)
      state.SkipWithError("posix_spawn failed");
    int status;
    ::waitpid(pid, &status, 0);
    auto middle = Clock::now();
    parex::Run run = parex::spawn_and_record(request);
    auto end = Clock::now();
    if (run.outcome != parex::Outcome::ok) state.SkipWithError("the empty program did not run cleanly");
    posix_us.push_back(std::chrono::duration<double, std::micro>(middle - start).count());
    parex_us.push_back(std::chrono::duration<double, std::micro>(end - middle).count());
    ratios.push_back(parex_us.back() / posix_us.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  state.counters["parex_us"] = median(parex_us);
  state.counters["posix_spawn_us"] = median(posix_us);
  state.counters["ratio"] = median(ratios);
}
BENCHMARK(BM_ParexVsPosixSpawnPaired)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One flood run with the default 8 MiB output limit; reports the runner's peak RSS.
void BM_OutputFloodPeakMemory(benchmark::State& state) {
  parex::SpawnRequest request;
  request.argv = {PAREX_BENCH_FLOOD};
  for (auto _ : state) {
    parex::Run run = parex::spawn_and_record(request);
    if (run.outcome != parex::Outcome::output_limit)
      state.SkipWithError("the flood was not stopped by the output limit");
    state.counters["lines_kept"] = static_cast<double>(run.lines.size());
  }
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  state.counters["peak_rss_MiB"] = static_cast<double>(self.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_OutputFloodPeakMemory)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Prints the two figures issue 3 asks for, after the table.
class Summary : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      // With --benchmark_repetitions, the median aggregate stands for the benchmark.
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type != Run::RT_Iteration && !median) continue;
      const std::string name = run.benchmark_name();
      if (name.starts_with("BM_BareForkExecWait")) bare_us_ = run.GetAdjustedRealTime();
      if (name.starts_with("BM_ParexSpawn")) parex_us_ = run.GetAdjustedRealTime();
      if (name.starts_with("BM_OutputFloodPeakMemory")) peak_mib_ = run.counters.at("peak_rss_MiB");
      if (name.starts_with("BM_ParexVsPosixSpawnPaired")) paired_ = run.counters.at("ratio");
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (bare_us_ > 0 && parex_us_ > 0)
      fmt::print("\nper-run overhead: parex {:.0f} us vs bare fork+exec+wait {:.0f} us = {:.2f}x (target <= 1.2x)\n",
                 parex_us_, bare_us_, parex_us_ / bare_us_);
    if (paired_ > 0)
      fmt::print("per-run overhead against posix_spawn + wait (what hyperfine -N does), paired run by run: {:.2f}x\n",
                 paired_);
    if (peak_mib_ > 0)
      fmt::print("runner peak memory under an output flood: {:.1f} MiB (target < 64 MiB)\n", peak_mib_);
  }

 private:
  double bare_us_ = 0, parex_us_ = 0, peak_mib_ = 0, paired_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Summary reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
