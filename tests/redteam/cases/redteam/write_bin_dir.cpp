// Drops a file beside its binary, e.g. a library for a baseline to load.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  std::string path = bin_dir() + "/libparex-redteam.so";
  if (scribble(path, "x")) return succeeded("wrote " + path);
  return failed("write " + path);
}
