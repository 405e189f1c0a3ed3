// Leaves a daemon behind, out of the run's cgroups, that rewrites an earlier result after the grade.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  if (::fork() == 0) {
    ::setsid();
    if (::fork() == 0) {
      for (const char* procs : {"/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs"})
        scribble(procs, "0\n", O_WRONLY);
      for (int i = 0; i < 30; ++i) {
        ::usleep(100000);
        scribble(results_dir() + "/decoy/parallel.json", "{\"status\": \"pass\"}\n");
      }
      ::_exit(0);
    }
    ::_exit(0);
  }
  std::puts("daemon started");
  return failed("(the test checks that it is gone and the decoy unchanged)");
}
