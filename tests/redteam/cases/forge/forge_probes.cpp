// Fakes process isolation without starting a process: it writes the records a child would, naming a pid
// that is not its own, on the probe channel (PAREX_PROBE_FD) that parex::probe() writes to.
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

static void record(int fd, long pid, const std::string& value) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const std::string text = "P\t" + std::to_string(pid) + "\t" +
                           std::to_string(static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec) +
                           "\tsquare_result\t" + value + "\n";
  (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  ::usleep(2000);
}

int main() {
  const char* channel = std::getenv("PAREX_PROBE_FD");
  if (!channel) return 1;
  const int fd = std::atoi(channel);
  const long self = ::getpid();
  record(fd, self, "[]");                   // the parent, before "starting" the child
  record(fd, self + 1, "[4, 9, 64, 36, 49, 64]");  // a child that never existed
  record(fd, self, "[]");                   // the parent, after "joining" it
  std::puts("result: []");
}
