// Attacks of a graded program on its grader (tests/redteam). Each prints "ATTACK SUCCEEDED: <what>"
// when it got what it was after; the case's only check requires that line, so a pass means the attack
// worked. The paths an attacker would know of its grader come from REDTEAM_* variables the test sets.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace redteam {

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

inline int succeeded(const std::string& what) {
  std::printf("ATTACK SUCCEEDED: %s\n", what.c_str());
  return 0;
}

inline int failed(const std::string& what) {
  std::printf("attack failed: %s (%s)\n", what.c_str(), std::strerror(errno));
  return 0;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Writes text to path; true when it was written.
inline bool scribble(const std::string& path, const std::string& text, int flags = O_WRONLY | O_CREAT | O_TRUNC) {
  int fd = ::open(path.c_str(), flags, 0755);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

inline std::string bin_dir() { return env("REDTEAM_BIN_DIR"); }
inline std::string case_dir() { return env("REDTEAM_CASE_DIR"); }
inline std::string results_dir() { return env("REDTEAM_RESULTS"); }
inline std::string marker() { return env("REDTEAM_MARKER"); }

}  // namespace redteam
