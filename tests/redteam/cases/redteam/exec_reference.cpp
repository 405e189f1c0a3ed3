// Reads (or could run) another variant's binary beside it: the reference, in a learner's grade.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string other = bin_dir() + "/serial";
  std::string text = slurp(other);
  if (text.size() > 1000) return succeeded("read " + std::to_string(text.size()) + " bytes of " + other);
  return failed("read " + other);
}
