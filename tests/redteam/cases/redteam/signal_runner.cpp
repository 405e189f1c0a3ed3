// Could freeze the grader: may it signal its parent, the runner?
#include "attacks.hpp"

int main() {
  using namespace redteam;
  if (::getppid() > 0 && ::kill(::getppid(), 0) == 0) return succeeded("may signal the runner, pid " + std::to_string(::getppid()));
  return failed("signal the runner");
}
