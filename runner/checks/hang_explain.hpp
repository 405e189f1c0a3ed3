// The checking half of a hang's explanation: the wait-for graph between a run's processes, and what it says.
#pragma once

#include <string>
#include <vector>

#include "data/record.hpp"

namespace parex {

// Fills hang.edges, hang.cycle and hang.explanation from the processes captured (pure: no /proc).
void explain_hang(Hang& hang);

// One line per process: "pid 12 (./starter) waits in read(fd 3: pipe:[4471], read end) at starter.cpp:17 in main".
std::vector<std::string> describe_processes(const Hang& hang);

}  // namespace parex
