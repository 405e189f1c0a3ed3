// Leaves a POSIX shared memory object in /dev/shm behind.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  bool made = scribble("/dev/shm/parex-redteam-" + marker(), "left behind\n");
  std::printf("%s\n", made ? "made a /dev/shm object" : "could not make one");
  return failed("(the test looks for it in the machine's /dev/shm)");
}
