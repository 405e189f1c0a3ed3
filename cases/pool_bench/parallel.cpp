// Google Benchmark: the seed's work items through a pool, timed by wall clock (a pool's CPU time is
// spent in other processes, so CPU time would flatter it). BM_Serial, the baseline, is serial.cpp's.
#include <benchmark/benchmark.h>
#include <parex/pool.hpp>

#include "../pool_map/work.hpp"
#include "inputs.hpp"

static void BM_Pool(benchmark::State& state) {
  const auto items = bench_inputs();
  parex::Pool pool;  // started once: the benchmark times the map, as a program that reuses its pool would
  for (auto _ : state) benchmark::DoNotOptimize(pool.map(do_work, items).data());
  pool.close();
  pool.join();
}
BENCHMARK(BM_Pool)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
