// Leaves a file in the machine's /tmp for a later run, or another learner, to find.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  bool made = scribble("/tmp/parex-redteam-" + marker(), "left behind\n");
  std::printf("%s\n", made ? "wrote a file in /tmp" : "could not write in /tmp");
  return failed("(the test looks for it in the machine's /tmp)");
}
