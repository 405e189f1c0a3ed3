// A thread instead of a process: it shares the list, so the parent sees the change.
#include <thread>

#include "global_list.hpp"

int main() {
  parex::probe("square_result", square_result);
  std::thread t1(calc_square, kNumbers);
  t1.join();
  fmt::print("result: {}\n", square_result);
  parex::probe("square_result", square_result);
  calc_square(kNumbers);
  fmt::print("results2: {}\n", square_result);
}
