// Joining twice is fine; joining oneself and joining an unstarted process are errors.
#include <stdexcept>

#include <fmt/format.h>
#include <parex/process.hpp>

parex::Process* self = nullptr;  // the child reaches its own Process object through this

void child() {
  // Implement your code here: join the current process (self->join()) and print
  // "child: error: <what()>" when it throws std::logic_error.
}

int main() {
  parex::Process p(child);
  self = &p;
  p.start();
  p.join();
  fmt::print("parent: joined once, exit code {}\n", p.exitcode().value_or(-1));
  // Implement your code here: join p a second time and print
  // "parent: joined twice, exit code <exit code>", then try to join a Process that was
  // never started and print "parent: error: <what()>".
}
