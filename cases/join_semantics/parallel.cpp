// Joining twice is fine; joining oneself and joining an unstarted process are errors.
#include <stdexcept>

#include <fmt/format.h>
#include <parex/process.hpp>

parex::Process* self = nullptr;  // the child reaches its own Process object through this

void child() {
  try {
    self->join();  // inside the child: this is the current process
  } catch (const std::logic_error& e) {
    fmt::print("child: error: {}\n", e.what());
  }
}

int main() {
  parex::Process p(child);
  self = &p;
  p.start();
  p.join();
  fmt::print("parent: joined once, exit code {}\n", p.exitcode().value_or(-1));
  p.join();
  fmt::print("parent: joined twice, exit code {}\n", p.exitcode().value_or(-1));
  parex::Process never([] {});
  try {
    never.join();
  } catch (const std::logic_error& e) {
    fmt::print("parent: error: {}\n", e.what());
  }
}
