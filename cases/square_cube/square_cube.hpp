// The two tasks of the lesson, shared by every variant of this case.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <parex/clock.hpp>
#include <parex/probe.hpp>
#include <parex/seed.hpp>

// The lesson's numbers when run by hand; under parex, six numbers from 2 to 9 that the pair's seed draws (case.toml's
// [inputs]), so that the lines are ones no program can know before it runs. square_cube_py draws the same for a seed.
inline std::vector<int> numbers() {
  const auto seed = parex::seed();
  if (!seed) return {2, 3, 8, 6, 7, 8};
  std::vector<int> drawn;
  for (std::uint64_t i = 0; i < 6; ++i) drawn.push_back(2 + static_cast<int>(parex::draw(*seed, i) % 8));
  return drawn;
}

inline const std::vector<int> kNumbers = numbers();

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
