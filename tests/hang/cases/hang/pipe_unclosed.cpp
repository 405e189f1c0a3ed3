// Hang: a pipe whose write end is still open in its own reader. The worker reads lines until EOF,
// but it never closed the write end it inherited from fork(); EOF comes only once every write end
// is closed, so after the parent's three lines and close() the worker blocks in read() on fd 3,
// held open for writing by itself alone (fd 4), and the parent blocks in waitpid() (wait4) for it.
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include <sys/wait.h>
#include <unistd.h>

int main() {
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  const pid_t worker = ::fork();
  if (worker == 0) {
    // The fix: ::close(fds[1]); here, before reading.
    FILE* in = ::fdopen(fds[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, in)) {  // blocks here, in read()
      std::printf("worker got: %s", line);
      std::fflush(stdout);
    }
    ::_exit(0);  // never reached
  }
  ::close(fds[0]);
  for (const char* line : {"one\n", "two\n", "three\n"}) {
    if (::write(fds[1], line, std::strlen(line)) < 0) return 1;
  }
  ::close(fds[1]);  // the parent's write end only: the worker still holds its own
  int status = 0;
  ::waitpid(worker, &status, 0);  // blocks here
  std::puts("worker done");
}
