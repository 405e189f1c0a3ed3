// One thread counts the items that are multiples of 3.
#include <fmt/format.h>

#include "items.hpp"

long count = 0;

int main() {
  for (long i = 0; i < kItems; ++i)
    if (counted(i)) ++count;
  fmt::print("multiples of 3: {}\n", count);
}
