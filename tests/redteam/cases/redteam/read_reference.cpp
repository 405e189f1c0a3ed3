// Reads a hidden variant's source in the case folder: the reference solution.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string text = slurp(case_dir() + "/hidden.cpp");
  if (text.find("THE REFERENCE") != std::string::npos) return succeeded("read the reference source");
  return failed("read " + case_dir() + "/hidden.cpp");
}
