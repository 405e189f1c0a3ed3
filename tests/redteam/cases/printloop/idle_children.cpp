// The print loop again, with two idle children alive meanwhile: enough processes at once for a `processes` check
// that counts them, and none of them doing a task.
#include <sys/wait.h>
#include <unistd.h>

#include "lesson.hpp"

int main() {
  std::fflush(stdout);
  pid_t idle[2];
  for (pid_t& child : idle)
    if ((child = ::fork()) == 0) nap(0.05), ::_exit(0);
  for (int i = 0; i < 6; ++i) {
    nap(0.0025), std::printf("square %d\n", kNumbers[i] * kNumbers[i]), std::fflush(stdout);
    nap(0.0025), std::printf("cube %d\n", kNumbers[i] * kNumbers[i] * kNumbers[i]), std::fflush(stdout);
  }
  for (pid_t child : idle) ::waitpid(child, nullptr, 0);
}
