// Attaches to the runner as a debugger.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  pid_t runner = ::getppid();
  if (runner > 0 && ::ptrace(PTRACE_SEIZE, runner, nullptr, nullptr) == 0) return succeeded("attached to the runner");
  return failed("attach to the runner");
}
