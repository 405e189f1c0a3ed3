// The ping-pong in one process: what the two processes must print, in the order they print it.
#include <fmt/format.h>

#include "ping_pong.hpp"

int main() {
  for (int n : kNumbers) {
    fmt::print("child: received {}, replying {}\n", n, n * n);
    fmt::print("parent: sent {}, received {}\n", n, n * n);
  }
  fmt::print("child: no more numbers, exiting\n");
  fmt::print("parent: child exited with code 0\n");
}
