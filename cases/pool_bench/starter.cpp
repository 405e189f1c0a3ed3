// Google Benchmark: map the seed's work items through a parex::Pool inside BM_Pool, so that it runs
// faster than serial.cpp's BM_Serial. As handed out it maps them one after the other, as fast as serial.
#include <benchmark/benchmark.h>
#include <parex/pool.hpp>

#include "../pool_map/work.hpp"
#include "inputs.hpp"

static void BM_Pool(benchmark::State& state) {
  const auto items = bench_inputs();
  // TODO: start a parex::Pool once, here, and time pool.map(do_work, items) in the loop below.
  for (auto _ : state) {
    std::vector<std::uint64_t> results;
    for (auto n : items) results.push_back(do_work(n));
    benchmark::DoNotOptimize(results.data());
  }
}
BENCHMARK(BM_Pool)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
