#include "grade/machine_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace parex {

std::string machine_lock_path() {
  const char* path = std::getenv("PAREX_LOCK_FILE");
  return path && *path ? path : "/tmp/parex-timed-runs.lock";
}

MachineLock MachineLock::acquire(const std::function<void()>& on_wait) {
  MachineLock lock;
  const std::string path = machine_lock_path();
  // Opened as it is first: in a sticky /tmp the kernel refuses O_CREAT on another user's file (protected_regular).
  // flock needs no write access, and everyone may read it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd >= 0)
      ::fchmod(fd, 0644);
    else if (errno == EEXIST)
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) {
    lock.why_not_ = fmt::format("cannot open the machine's lock {}: {}", path, std::strerror(errno));
    return lock;
  }
  lock.fd_.reset(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return lock;
  if (on_wait) on_wait();
  const auto start = std::chrono::steady_clock::now();
  int locked;
  do locked = ::flock(fd, LOCK_EX);
  while (locked != 0 && errno == EINTR);
  lock.waited_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (locked != 0) {
    lock.why_not_ = fmt::format("cannot lock {}: {}", path, std::strerror(errno));
    lock.fd_.reset();
  }
  return lock;
}

}  // namespace parex
