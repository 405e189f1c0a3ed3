// No race, but the program prints report-like lines of its own on stderr, outside any "==================" block,
// and a lone delimiter: none of it is a ThreadSanitizer report.
#include <atomic>
#include <cstdio>
#include <thread>

std::atomic<int> counter{0};

int main() {
  std::fprintf(stderr, "WARNING: ThreadSanitizer: data race (pid=1)\n");
  std::fprintf(stderr, "  Write of size 8 at 0x000000001000 by thread T1:\n");
  std::fprintf(stderr, "    #0 work() /src/tsan/fake.cpp:4 (fake+0x121f)\n");
  std::fprintf(stderr, "SUMMARY: ThreadSanitizer: data race /src/tsan/fake.cpp:4 in work()\n");
  std::fprintf(stderr, "==================\n");
  std::fprintf(stderr, "ThreadSanitizer: reported 1 warnings\n");
  std::thread a([] { counter++; });
  a.join();
  std::printf("%d\n", counter.load());
}
