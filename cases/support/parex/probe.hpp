// Probes: report the value of a variable to the parex runner, from any process of the run.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace parex {
namespace detail {

// The channel the runner opened (PAREX_PROBE_FD), parsed once; -1 makes probes no-ops.
inline int probe_fd() {
  static const int fd = [] {
    const char* text = std::getenv("PAREX_PROBE_FD");
    if (!text || !*text) return -1;
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    return (*end == '\0' && value >= 0 && value < (1 << 20)) ? static_cast<int>(value) : -1;
  }();
  return fd;
}

inline void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

// Sends one record as one message, so that records of concurrent writers never mix; never fails loudly.
inline void send_record(std::string_view name, std::string_view value) {
  const int fd = probe_fd();
  if (fd < 0) return;
  constexpr std::size_t kMaxValue = 60 * 1024;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  std::string record = fmt::format("P\t{}\t{}\t", ::getpid(), static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
  append_escaped(record, name);
  record += '\t';
  if (value.size() > kMaxValue) {
    append_escaped(record, value.substr(0, kMaxValue));
    record += "…[truncated]";
  } else {
    append_escaped(record, value);
  }
  // The thread id tells the runner a thread of the main process (which shares its globals) from a child process.
  record += fmt::format("\t{}\n", static_cast<long>(::syscall(SYS_gettid)));
  ssize_t sent;
  do sent = ::send(fd, record.data(), record.size(), MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0 && errno == ENOTSOCK) {  // a plain file or pipe, e.g. PAREX_PROBE_FD=3 ./prog 3>probes.txt
    do sent = ::write(fd, record.data(), record.size());
    while (sent < 0 && errno == EINTR);
  }
}

}  // namespace detail

// Reports `value` (rendered with fmt: ranges as "[4, 9]") under `name` to the runner; a no-op outside parex.
template <typename T>
void probe(std::string_view name, const T& value) {
  if (detail::probe_fd() < 0) return;
  detail::send_record(name, fmt::format("{}", value));
}

}  // namespace parex
