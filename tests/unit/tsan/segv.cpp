// No race: a thread writes through a null pointer, and ThreadSanitizer reports the crash.
#include <thread>

int* volatile target = nullptr;

int main() {
  std::thread a([] { *target = 1; });
  a.join();
}
