#include <parex/process.hpp>

#include "square_cube.hpp"

int main() {
  const auto t1 = std::chrono::steady_clock::now();
  parex::Process square(calc_square, kNumbers);
  parex::Process cube(calc_cube, kNumbers);
  square.start();
  cube.start();  // both run now; join only after starting both
  square.join();
  cube.join();
  fmt::print("Multiprocessing took: {:.3f} s\n", seconds_since(t1));
}
