// No race: the counter is atomic. ThreadSanitizer reports nothing.
#include <atomic>
#include <cstdio>
#include <thread>

std::atomic<long> counter{0};

void work() {
  for (int i = 0; i < 100000; ++i) counter.fetch_add(1, std::memory_order_relaxed);
}

int main() {
  std::thread a(work), b(work);
  a.join();
  b.join();
  std::printf("%ld\n", counter.load());
}
