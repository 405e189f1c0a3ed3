// Becomes root again, and writes to /etc.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  (void)!::setuid(0);
  if (::geteuid() == 0 && scribble("/etc/parex-redteam-" + marker(), "x")) return succeeded("root: wrote /etc");
  return failed("be root");
}
