// Facts about the machine a grade ran on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "data/result.hpp"

namespace parex {

// Reads the machine's facts once.
const MachineInfo& machine_info();

// CPU time of the CPUs this process may use (its affinity), since boot, from /proc/stat, in seconds summed over
// those CPUs: what ran on them (user, nice, system, irq, softirq; guest time is inside user), and what the
// hypervisor took (steal). The kernel counts in ticks of 10 ms per CPU. Both -1 where /proc/stat cannot be read.
struct CpuTimes {
  double busy_s = -1;
  double stolen_s = -1;
  int cpus = 0;  // how many CPUs were summed
};
CpuTimes cpu_times();

// The CPUs this process may use (its affinity), in order.
std::vector<int> usable_cpus();

// CPU time this process (all its threads) has used, user + system, in seconds.
double own_cpu_seconds();

// UTC now as "2026-11-24T18:00:00Z".
std::string utc_timestamp();

}  // namespace parex
