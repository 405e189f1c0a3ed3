// The evidence checks judge: the counted runs of a graded variant, of its baselines, and on fewer CPUs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/record.hpp"

namespace parex {

// What the checks of one graded variant see: its counted runs and those of its baselines, in run order.
struct Evidence {
  std::vector<Run> graded;
  std::map<std::string, std::vector<Run>> baselines;
  int cores = 1;
  int ranks = 0;        // an MPI graded variant: the ranks it ran (the default `workers` of a timing check); 0: not one
  int repetitions = 0;  // the pairs a speedup wants; disturbed pairs do not count towards them
  // scaling: the graded variant's runs confined to 1, 2, 4, ... CPUs, by the number of CPUs.
  std::map<int, std::vector<Run>> scaling;
  // races: the graded variant's ThreadSanitizer build, run once, untimed (Role::races); none: it was not run.
  std::optional<Run> races;
};

}  // namespace parex
