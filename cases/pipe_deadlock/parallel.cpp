// Ping-pong through two pipes: the parent sends each number, the child replies with its square.
#include <cstdio>

#include <fmt/format.h>
#include <parex/process.hpp>

#include "ping_pong.hpp"

int main() {
  int requests[2];  // parent -> child
  int replies[2];   // child -> parent
  if (::pipe(requests) != 0 || ::pipe(replies) != 0) return 1;

  parex::Process child([&] {
    // Close the ends this process does not use: the request pipe's write end above all, or the
    // read below never sees end of file (this process would itself still hold a writer).
    ::close(requests[1]);
    ::close(replies[0]);
    int n = 0;
    while (receive_int(requests[0], n)) {  // read first: the parent writes first
      fmt::print("child: received {}, replying {}\n", n, n * n);
      std::fflush(stdout);  // before replying, so that the lines keep the exchange's order
      send_int(replies[1], n * n);
    }
    fmt::print("child: no more numbers, exiting\n");
  });
  child.start();
  ::close(requests[0]);
  ::close(replies[1]);

  for (int n : kNumbers) {
    send_int(requests[1], n);  // write first, then wait for the answer
    int square = 0;
    if (!receive_int(replies[0], square)) return 1;
    fmt::print("parent: sent {}, received {}\n", n, square);
    std::fflush(stdout);
  }
  ::close(requests[1]);  // end of file for the child: no process holds a write end any more
  child.join();
  fmt::print("parent: child exited with code {}\n", child.exitcode().value_or(-1));
}
