// Hang: joining a writer before reading what it writes. The child writes 1 MiB into a pipe that
// holds 64 KiB, so its write() blocks until someone reads; the parent joins the child (wait4)
// before it reads anything. The parent waits for the child to exit, the child for the pipe's
// reader, which is the parent: a cycle.
#include <cstdio>
#include <vector>

#include <parex/process.hpp>
#include <unistd.h>

int main() {
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  parex::Process child([&] {
    ::close(fds[0]);
    const std::vector<char> data(1 << 20, 'x');
    std::size_t sent = 0;
    while (sent < data.size()) {  // blocks in write() once the pipe is full
      const ssize_t n = ::write(fds[1], data.data() + sent, data.size() - sent);
      if (n < 0) ::_exit(1);
      sent += static_cast<std::size_t>(n);
    }
  });
  child.start();
  ::close(fds[1]);
  child.join();  // blocks here: the fix is to read everything first, then join
  std::vector<char> buffer(1 << 16);
  std::size_t received = 0;
  for (ssize_t n; (n = ::read(fds[0], buffer.data(), buffer.size())) > 0;) received += static_cast<std::size_t>(n);
  std::printf("received %zu bytes\n", received);
}
