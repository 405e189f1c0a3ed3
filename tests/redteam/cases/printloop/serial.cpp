// The baseline: squares, then cubes, one after the other (0.6 s).
#include "lesson.hpp"

int main() {
  for (int n : kNumbers) nap(0.05), std::printf("square %d\n", n * n), std::fflush(stdout);
  for (int n : kNumbers) nap(0.05), std::printf("cube %d\n", n * n * n), std::fflush(stdout);
}
