// Ping-pong through two pipes: the parent sends each number, the child replies with its square.
//
// As handed out this program deadlocks: all five rounds print, then nothing ends. Find out why
// and fix it (README.md).
#include <cstdio>

#include <fmt/format.h>
#include <parex/process.hpp>

#include "ping_pong.hpp"

int main() {
  int requests[2];  // parent -> child
  int replies[2];   // child -> parent
  if (::pipe(requests) != 0 || ::pipe(replies) != 0) return 1;

  parex::Process child([&] {
    int n = 0;
    while (receive_int(requests[0], n)) {  // until the parent closes the request pipe
      fmt::print("child: received {}, replying {}\n", n, n * n);
      std::fflush(stdout);
      send_int(replies[1], n * n);
    }
    fmt::print("child: no more numbers, exiting\n");
  });
  child.start();

  for (int n : kNumbers) {
    send_int(requests[1], n);
    int square = 0;
    if (!receive_int(replies[0], square)) return 1;
    fmt::print("parent: sent {}, received {}\n", n, square);
    std::fflush(stdout);
  }
  ::close(requests[1]);  // no more numbers: the child's loop should end now
  child.join();
  fmt::print("parent: child exited with code {}\n", child.exitcode().value_or(-1));
}
