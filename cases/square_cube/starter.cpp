#include <parex/process.hpp>

#include "square_cube.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();

  // Implement your code here: run calc_square(kNumbers) and calc_cube(kNumbers) in two
  // parex::Process objects at the same time. Until you do, they run one after the other:
  calc_square(kNumbers);
  calc_cube(kNumbers);

  fmt::print("Multiprocessing took: {:.3f} s\n", seconds_since(t1));
}
