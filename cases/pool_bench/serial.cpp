// Google Benchmark: the seed's work items, one after the other. The instructor's baseline: a learner's
// program runs only BM_Pool, so the time it is compared with cannot be slowed down by the learner.
#include <benchmark/benchmark.h>

#include "../pool_map/work.hpp"
#include "inputs.hpp"

static void BM_Serial(benchmark::State& state) {
  const auto items = bench_inputs();
  for (auto _ : state) {
    std::vector<std::uint64_t> results;
    for (auto n : items) results.push_back(do_work(n));
    benchmark::DoNotOptimize(results.data());
  }
}
BENCHMARK(BM_Serial)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
