// Could freeze the grader: stop its parent (the runner, or a sandboxed run's init) with SIGSTOP, see it stopped,
// and let it go on 0.1 s later (a runner stopped meanwhile enforces no timeout).
#include "attacks.hpp"

namespace {
char state_of(pid_t pid) {
  const std::string stat = redteam::slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}
}  // namespace

int main() {
  using namespace redteam;
  const pid_t parent = ::getppid();
  if (parent <= 0 || ::kill(parent, SIGSTOP) != 0) return failed("stop the runner");
  ::usleep(100000);
  const char state = state_of(parent);
  ::kill(parent, SIGCONT);
  if (state == 'T' || state == 't') return succeeded("stopped the runner, pid " + std::to_string(parent) + ", for 0.1 s");
  errno = 0;
  return failed("stop the runner: the signal was dropped (pid 1 of a pid namespace)");
}
