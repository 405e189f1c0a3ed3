// Several reports, two races once deduplicated: bump() races on `left` and on `right`, called from two functions
// (two stacks, two addresses: TSan reports each), the same two lines of code; `hits` races in another function,
// one side under a mutex; `ready` is written atomically on one side only.
#include <cstdio>
#include <mutex>
#include <thread>

long left = 0, right = 0;
int hits = 0;
int ready = 0;
std::mutex lock;

__attribute__((noinline)) void bump(long& x) { x = x + 1; }

void from_left() { for (int i = 0; i < 10000; ++i) bump(left); }
void from_right() { for (int i = 0; i < 10000; ++i) bump(right); }

void count_locked() {
  for (int i = 0; i < 10000; ++i) {
    std::lock_guard<std::mutex> guard(lock);
    ++hits;
  }
}

void count() {
  for (int i = 0; i < 10000; ++i) ++hits;
}

void publish() { __atomic_store_n(&ready, 1, __ATOMIC_RELAXED); }

int main() {
  std::thread a(from_left), b(from_left), c(from_right), d(from_right), e(count_locked), f(count), g(publish);
  int seen = ready;
  a.join(), b.join(), c.join(), d.join(), e.join(), f.join(), g.join();
  std::printf("%ld %ld %d %d\n", left, right, hits, seen);
}
