// Raises the runner's timer slack, so that later baselines sleep longer.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string path = "/proc/" + std::to_string(::getppid()) + "/timerslack_ns";
  if (::getppid() > 1 && scribble(path, "50000\n", O_WRONLY)) return succeeded("wrote " + path);
  return failed("write " + path);
}
