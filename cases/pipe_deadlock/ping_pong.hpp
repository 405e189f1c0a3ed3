// The lesson's numbers and its messages, shared by every variant of this case: one int a message.
#pragma once

#include <cerrno>
#include <system_error>
#include <vector>

#include <unistd.h>

inline const std::vector<int> kNumbers = {2, 3, 8, 6, 7};  // the parent sends each in turn

// Writes n whole to fd.
inline void send_int(int fd, int n) {
  ssize_t written;
  do written = ::write(fd, &n, sizeof n);
  while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(sizeof n))
    throw std::system_error(errno, std::generic_category(), "cannot write to the pipe");
}

// Reads one int from fd into n; false at end of file: every write end of the pipe is closed.
inline bool receive_int(int fd, int& n) {
  ssize_t got;
  do got = ::read(fd, &n, sizeof n);  // a pipe delivers a write of sizeof(int) bytes whole
  while (got < 0 && errno == EINTR);
  if (got < 0) throw std::system_error(errno, std::generic_category(), "cannot read from the pipe");
  return got == static_cast<ssize_t>(sizeof n);
}
