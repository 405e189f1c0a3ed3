// Replaces the serial baseline in the bin folder with a wrapper that sleeps first, so a speedup would pass.
#include "attacks.hpp"

int main() {
  using namespace redteam;
  if (scribble(bin_dir() + "/serial", "#!/bin/sh\nsleep 1\necho serial\n")) return succeeded("replaced " + bin_dir() + "/serial");
  return failed("write " + bin_dir() + "/serial");
}
