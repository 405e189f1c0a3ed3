// The two tasks of the lesson, shared by every variant of this case.
#pragma once

#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <parex/clock.hpp>

inline const std::vector<int> kNumbers = {2, 3, 8, 6, 7, 8};

inline void calc_square(const std::vector<int>& numbers) {
  for (int n : numbers) {
    parex::sleep_for(std::chrono::seconds(1));
    fmt::print("square {}\n", n * n);
    std::fflush(stdout);  // stdout to a pipe is block-buffered: flush so the line arrives now
  }
}

inline void calc_cube(const std::vector<int>& numbers) {
  for (int n : numbers) {
    parex::sleep_for(std::chrono::seconds(1));
    fmt::print("cube {}\n", n * n * n);
    std::fflush(stdout);
  }
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
