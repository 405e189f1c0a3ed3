// The child fills its copy of the list; the parent's stays empty until it fills it itself.
#include <parex/process.hpp>

#include "global_list.hpp"

int main() {
  parex::probe("square_result", square_result);  // [] before any process starts
  parex::Process p1(calc_square, kNumbers);
  p1.start();
  p1.join();
  fmt::print("result: {}\n", square_result);
  parex::probe("square_result", square_result);  // still [] in the parent
  calc_square(kNumbers);
  fmt::print("results2: {}\n", square_result);
}
