// The lesson's global list and the function that fills it, shared by the variants of this case.
#pragma once

#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <parex/probe.hpp>

inline std::vector<int> square_result;  // the global every variant fills
inline const std::vector<int> kNumbers = {2, 3, 8, 6, 7, 8};

inline void calc_square(const std::vector<int>& numbers) {
  for (int n : numbers) {
    fmt::print("square {}\n", n * n);
    square_result.push_back(n * n);
  }
  std::fflush(stdout);
  parex::probe("square_result", square_result);  // what this process's copy holds now
}
