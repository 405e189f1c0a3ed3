// No second process: the one list is filled twice.
#include "global_list.hpp"

int main() {
  calc_square(kNumbers);
  fmt::print("result: {}\n", square_result);
  calc_square(kNumbers);
  fmt::print("results2: {}\n", square_result);
}
