// Prints lines forever: the runner must stop it at max_output_bytes with bounded memory.
#include <cstdio>
int main() {
  for (unsigned long i = 0;; ++i) std::printf("flood line %lu ................................................\n", i);
}
