#include <fmt/format.h>
#include <parex/pool.hpp>

#include "work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> results;

  // Implement a process pool here: parex::Pool, map do_work over inputs(), and don't forget
  // the good practice of closing and joining the pool. Until then the work runs serially:
  for (auto n : inputs()) results.push_back(do_work(n));

  fmt::print("checksum: {}\n", checksum(results));
  fmt::print("Pool took: {:.3f} s\n", seconds_since(t1));
}
