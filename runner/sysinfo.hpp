// Facts about the machine a grade ran on.
#pragma once

#include <string>

namespace parex {

struct MachineInfo {
  int cores = 1;            // CPUs this process may use: affinity, capped by a cgroup CPU quota
  int cpus_online = 1;
  std::string hostname;
  std::string kernel;
  std::string containment;  // how process limits are enforced
  std::string sandbox;      // what the runs' sandbox applied, or why there was none
};

// Reads the machine's facts once.
const MachineInfo& machine_info();

// CPU time the hypervisor took from this machine's CPUs since boot (the `steal` column of /proc/stat), in
// seconds summed over CPUs; -1 where the kernel does not report it.
double stolen_cpu_seconds();

// UTC now as "2026-11-24T18:00:00Z".
std::string utc_timestamp();

}  // namespace parex
