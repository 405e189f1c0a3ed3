// pool_map's serial variant, on pool_map's own work.hpp (its items from the pair's seed).
#include <fmt/format.h>

#include "../../../../cases/pool_map/work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> results;
  for (auto n : inputs()) results.push_back(do_work(n));
  fmt::print("checksum: {}\n", checksum(results));
  fmt::print("Serial processing took: {:.3f} s\n", seconds_since(t1));
}
