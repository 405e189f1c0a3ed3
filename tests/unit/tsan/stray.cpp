// A lone "==================" on stderr from the program, then a real race: the report after it is still read.
#include <cstdio>
#include <thread>

long counter = 0;

int main() {
  std::fprintf(stderr, "==================\n");
  std::thread a([] { counter = counter + 1; });
  std::thread b([] { counter = counter + 1; });
  a.join();
  b.join();
  std::printf("%ld\n", counter);
}
