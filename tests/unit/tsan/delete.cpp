// A race with the allocator: main deletes an object a thread still reads, so one access's innermost frames are
// ThreadSanitizer's own operator delete.
#include <atomic>
#include <thread>
#include <unistd.h>

struct Shape {
  virtual ~Shape() {}
  virtual int sides() { return 0; }
};
struct Square : Shape {
  int sides() override { return 4; }
};
std::atomic<int> go{0};

int main() {
  Shape* shape = new Square;
  std::thread reader([shape] { while (!go.load(std::memory_order_relaxed)) {} shape->sides(); });
  usleep(1000);
  go = 1;
  delete shape;
  reader.join();
}
