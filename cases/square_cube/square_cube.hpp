// The two tasks of the lesson, shared by every variant of this case.
#pragma once

#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <parex/clock.hpp>
#include <parex/probe.hpp>

inline const std::vector<int> kNumbers = {2, 3, 8, 6, 7, 8};

// Each task tells the grader when it starts and ends, and in which process (task_start/task_end probes): the
// "processes" check requires the two in processes of their own, at the same time.
inline void calc_square(const std::vector<int>& numbers) {
  parex::probe("task_start", "square");
  for (int n : numbers) {
    parex::sleep_for(std::chrono::seconds(1));
    fmt::print("square {}\n", n * n);
    std::fflush(stdout);  // stdout to a pipe is block-buffered: flush so the line arrives now
  }
  parex::probe("task_end", "square");
}

inline void calc_cube(const std::vector<int>& numbers) {
  parex::probe("task_start", "cube");
  for (int n : numbers) {
    parex::sleep_for(std::chrono::seconds(1));
    fmt::print("cube {}\n", n * n * n);
    std::fflush(stdout);
  }
  parex::probe("task_end", "cube");
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
