// Hang: spinning on a global that only a child process changed. The child sets its own copy of
// `done` and exits; the parent's copy stays false (a process gets a copy of its parent's memory,
// an atomic included), so the parent spins in user space forever, on the `while` line below, with
// the child a zombie it never joins.
#include <atomic>

#include <parex/process.hpp>

std::atomic<bool> done{false};  // atomic: the loop really reads it each time, and still never sees true

int main() {
  parex::Process child([] { done = true; });
  child.start();
  while (!done) {  // blocks here: spins, never sees the child's write
  }
  child.join();
}
