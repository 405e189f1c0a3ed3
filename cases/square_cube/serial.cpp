#include "square_cube.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  calc_square(kNumbers);
  calc_cube(kNumbers);
  fmt::print("Serial processing took: {:.3f} s\n", seconds_since(t1));
}
