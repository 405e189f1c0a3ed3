// Writes into the grader's home, e.g. a shell start-up file the grader will run.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string path = env("REDTEAM_HOME") + "/parex-redteam-" + marker();
  if (scribble(path, "x")) return succeeded("wrote " + path);
  return failed("write " + path);
}
