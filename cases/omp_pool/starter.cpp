#include <fmt/format.h>

#include "../pool_map/work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  const auto items = inputs();
  std::uint64_t sum = 0;
  // The loop runs in a team of threads, one per core, each taking a share of the items. But every thread adds to
  // the one shared `sum` at the same time, and additions get lost: the sum comes out wrong. Tell OpenMP that `sum`
  // is a sum over the loop.
#pragma omp parallel for
  for (int i = 0; i < kItems; ++i) sum += do_work(items[static_cast<std::size_t>(i)]);
  fmt::print("sum: {}\n", sum);
  fmt::print("OpenMP took: {:.3f} s\n", seconds_since(t1));
}
