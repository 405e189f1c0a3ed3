// A race on a heap block: two threads add to the int `cell` points to.
#include <cstdio>
#include <thread>

int main() {
  int* cell = new int(0);
  std::thread a([cell] { for (int i = 0; i < 1000; ++i) *cell += 1; });
  std::thread b([cell] { for (int i = 0; i < 1000; ++i) *cell += 1; });
  a.join();
  b.join();
  std::printf("%d\n", *cell);
  delete cell;
}
