// Rewrites the result file of an earlier grade.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string path = results_dir() + "/decoy/parallel.json";
  if (scribble(path, "{\"status\": \"pass\"}\n")) return succeeded("rewrote " + path);
  return failed("write " + path);
}
