#include <fmt/format.h>

#include "../pool_map/work.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  const auto items = inputs();
  std::uint64_t sum = 0;
  for (int i = 0; i < kItems; ++i) sum += do_work(items[static_cast<std::size_t>(i)]);
  fmt::print("sum: {}\n", sum);
  fmt::print("Serial took: {:.3f} s\n", seconds_since(t1));
}
