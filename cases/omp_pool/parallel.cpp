#include <fmt/format.h>

#include "../pool_map/work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  const auto items = inputs();
  std::uint64_t sum = 0;
  // One team of threads, one per core (OMP_NUM_THREADS, which parex sets to the cores it grades on); each thread
  // adds its items into a private sum, and OpenMP adds the private sums into `sum` when the loop ends.
#pragma omp parallel for reduction(+ : sum)
  for (int i = 0; i < kItems; ++i) sum += do_work(items[static_cast<std::size_t>(i)]);
  fmt::print("sum: {}\n", sum);
  fmt::print("OpenMP took: {:.3f} s\n", seconds_since(t1));
}
