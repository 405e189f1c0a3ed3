// The square_cube lesson in small: six squares and six cubes, a (scaled) second of sleep before each.
#pragma once

#include <chrono>
#include <cstdio>
#include <thread>

#include <parex/probe.hpp>

inline const int kNumbers[] = {2, 3, 8, 6, 7, 8};

inline void nap(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

// The lesson's tasks, as the instructor's shared header has them: each records its start and end (the
// `processes` check's `tasks`).
inline void calc_square() {
  parex::probe("task_start", "square");
  for (int n : kNumbers) nap(0.05), std::printf("square %d\n", n * n), std::fflush(stdout);
  parex::probe("task_end", "square");
}

inline void calc_cube() {
  parex::probe("task_start", "cube");
  for (int n : kNumbers) nap(0.05), std::printf("cube %d\n", n * n * n), std::fflush(stdout);
  parex::probe("task_end", "cube");
}
