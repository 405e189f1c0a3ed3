// Four threads count the items that are multiples of 3, each a quarter of them, into one shared count.
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "items.hpp"

long count = 0;  // one count, shared by every thread of the process

void count_range(long first, long last) {
  for (long i = first; i < last; ++i)
    if (counted(i)) ++count;  // read count, add one, write it back: another thread may have written in between
}

int main() {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(count_range, kItems * t / kThreads, kItems * (t + 1) / kThreads);
  for (auto& thread : threads) thread.join();
  fmt::print("multiples of 3: {}\n", count);
}
