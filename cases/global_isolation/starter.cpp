// The parent reports its list, runs calc_square in a child process, and reports its list again.
#include <parex/process.hpp>

#include "global_list.hpp"

int main() {
  parex::probe("square_result", square_result);  // [] before any process starts

  // Implement your code here: run calc_square(kNumbers) in a parex::Process, start it and join it.
  // Until you do, the parent fills its own list, and the child's work never happens apart from it:
  calc_square(kNumbers);

  fmt::print("result: {}\n", square_result);
  parex::probe("square_result", square_result);
  calc_square(kNumbers);
  fmt::print("results2: {}\n", square_result);
}
