#include <fmt/ranges.h>
#include <parex/pool.hpp>

int square(int x) { return x * x; }

int main() {
  parex::Pool pool(2);
  auto squares = pool.map(square, std::vector<int>{1, 2, 3, 4});
  pool.close();
  pool.join();
  fmt::print("squares: {}\n", squares);
}
