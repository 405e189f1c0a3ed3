// Google Benchmark: the seed's work items serially and through a pool, timed by wall clock
// (a pool's CPU time is spent in other processes, so CPU time would flatter it).
#include <benchmark/benchmark.h>
#include <parex/pool.hpp>

#include "../pool_map/work.hpp"

static std::vector<std::uint64_t> bench_inputs() {
  std::vector<std::uint64_t> items(1000);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = i;
  return items;
}

static void BM_Serial(benchmark::State& state) {
  const auto items = bench_inputs();
  for (auto _ : state) {
    std::vector<std::uint64_t> results;
    for (auto n : items) results.push_back(do_work(n));
    benchmark::DoNotOptimize(results.data());
  }
}
BENCHMARK(BM_Serial)->UseRealTime()->Unit(benchmark::kMillisecond);

static void BM_Pool(benchmark::State& state) {
  const auto items = bench_inputs();
  parex::Pool pool;  // started once: the benchmark times the map, as a program that reuses its pool would
  for (auto _ : state) benchmark::DoNotOptimize(pool.map(do_work, items).data());
  pool.close();
  pool.join();
}
BENCHMARK(BM_Pool)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
