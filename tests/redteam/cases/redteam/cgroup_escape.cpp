// Moves itself out of the run's cgroups, to outlive the run.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  for (const char* procs : {"/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs"})
    if (scribble(procs, "0\n", O_WRONLY)) return succeeded(std::string("moved to ") + procs);
  return failed("move to the root cgroup");
}
