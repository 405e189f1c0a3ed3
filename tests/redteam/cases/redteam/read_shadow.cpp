// Reads the machine's password hashes.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string text = slurp("/etc/shadow");
  if (!text.empty()) return succeeded("read /etc/shadow: " + text.substr(0, text.find(':')));
  return failed("read /etc/shadow");
}
