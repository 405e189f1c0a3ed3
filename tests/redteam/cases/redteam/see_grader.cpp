// Looks for its grader among the machine's processes (the driver that started parex, or parex itself): to read
// their command lines and environment, and to find pids worth signalling.
#include <dirent.h>

#include "attacks.hpp"

int main() {
  using namespace redteam;
  DIR* proc = ::opendir("/proc");
  if (!proc) return failed("list /proc");
  int seen = 0;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    ++seen;
    std::string cmdline = slurp(std::string("/proc/") + entry->d_name + "/cmdline");
    for (char& c : cmdline) if (c == '\0') c = ' ';
    if (cmdline.find("redteam.py") != std::string::npos)
      return succeeded(std::string("found the grader's driver, pid ") + entry->d_name + ": " + cmdline);
  }
  std::printf("%d processes seen\n", seen);
  return failed("find the grader among the processes");
}
