// Prints argv[1] short lines as fast as stdio can: the runner's capture throughput.
#include <cstdio>
#include <cstdlib>
int main(int argc, char** argv) {
  long count = argc > 1 ? std::atol(argv[1]) : 1000000;
  for (long i = 0; i < count; ++i) std::printf("line %ld\n", i);
}
