// Reads parex's own executable, to learn how it grades.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string text = slurp(env("REDTEAM_PAREX"));
  if (text.size() > 1000) return succeeded("read parex, " + std::to_string(text.size()) + " bytes");
  return failed("read " + env("REDTEAM_PAREX"));
}
