// Hang: two processes each reading from the other before writing: a wait-for cycle. The parent
// reads the child's reply (pipe B) before sending its request on pipe A; the child reads the
// request (pipe A) before replying on pipe B. Each closed the ends it never uses, and holds open
// the write end the other waits on, so neither read() sees data or EOF: the parent blocks in
// read() on B's read end, the child in read() on A's read end.
#include <cstdio>

#include <parex/process.hpp>
#include <unistd.h>

int main() {
  int a[2];  // parent -> child
  int b[2];  // child -> parent
  if (::pipe(a) != 0 || ::pipe(b) != 0) return 1;
  parex::Process child([&] {
    ::close(a[1]);
    ::close(b[0]);
    int request = 0;
    if (::read(a[0], &request, sizeof request) != sizeof request) ::_exit(1);  // blocks here
    const int reply = request * request;
    if (::write(b[1], &reply, sizeof reply) < 0) ::_exit(1);
  });
  child.start();
  ::close(a[0]);
  ::close(b[1]);
  int reply = 0;
  if (::read(b[0], &reply, sizeof reply) != sizeof reply) return 1;  // blocks here: the reply before the request
  const int request = 7;
  if (::write(a[1], &request, sizeof request) < 0) return 1;
  child.join();
  std::printf("reply %d\n", reply);
}
