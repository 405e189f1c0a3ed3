// Hang, at scale: 200 children each read a pipe whose write end their parent keeps open and never
// writes, while the parent waits for any of them. The capture of such a tree must stay within its
// time bound (about 1 s): every process's call is read, stacks until the bound, the rest say so.
#include <sys/wait.h>
#include <unistd.h>

int main() {
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  for (int i = 0; i < 200; ++i) {
    if (::fork() == 0) {
      ::close(fds[1]);
      char c;
      while (::read(fds[0], &c, 1) > 0) {}  // blocks here: the parent never writes, nor closes
      ::_exit(0);
    }
  }
  ::close(fds[0]);
  while (::wait(nullptr) > 0) {}  // blocks here: for any child
}
