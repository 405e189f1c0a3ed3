// Hang: pool workers that wait for their parent, who waits for them. Each task reads a go-ahead byte
// from a pipe that the parent writes only after pool.map() returns; map() returns only when every
// task has. The workers block in read() on the pipe (its write end: the parent), the parent in
// poll() on the pool's result socket (its other end: the workers, through a socketpair): a cycle
// that only the sockets' peers (sock_diag) reveal.
#include <unistd.h>

#include <parex/pool.hpp>

static int go[2];

static int wait_for_go(int n) {
  char c;
  if (::read(go[0], &c, 1) != 1) return -1;  // blocks here: the go-ahead comes after map()
  return n * n;
}

int main() {
  if (::pipe(go) != 0) return 1;
  parex::Pool pool(2);
  auto squares = pool.map(wait_for_go, std::vector<int>{1, 2, 3, 4});  // blocks here: for the workers
  for (int i = 0; i < 4; ++i) (void)!::write(go[1], "g", 1);           // too late: never reached
  pool.close();
  pool.join();
  return squares.size() == 4 ? 0 : 1;
}
