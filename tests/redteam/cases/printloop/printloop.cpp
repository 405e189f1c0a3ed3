// The attack on sleep-based speedups: one process prints what two processes would, alternating squares and
// cubes with short sleeps. The lines, their order and their interleaving are right, and it is 20x "faster".
#include "lesson.hpp"

int main() {
  for (int i = 0; i < 6; ++i) {
    nap(0.0025), std::printf("square %d\n", kNumbers[i] * kNumbers[i]), std::fflush(stdout);
    nap(0.0025), std::printf("cube %d\n", kNumbers[i] * kNumbers[i] * kNumbers[i]), std::fflush(stdout);
  }
}
