// One race: two threads add to a global counter without a lock.
#include <cstdio>
#include <thread>

long counter = 0;

void work(int n) {
  for (int i = 0; i < n; ++i) {
    counter = counter + 1;
  }
}

int main() {
  std::thread a(work, 100000), b(work, 100000);
  a.join();
  b.join();
  std::printf("%ld\n", counter);
}
