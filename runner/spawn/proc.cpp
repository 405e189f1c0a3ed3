#include "spawn/proc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "base/fd.hpp"

namespace fs = std::filesystem;

namespace parex::spawn {

std::string read_small_file(const fs::path& path) {
  Fd fd(retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (!fd) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::optional<ProcInfo> read_proc_stat(pid_t pid) {
  std::string stat = read_small_file(fmt::format("/proc/{}/stat", pid));
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return std::nullopt;
  ProcInfo info{pid, 0, stat[close + 2]};
  info.ppid = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
  return info;
}

std::vector<ProcInfo> read_proc_table() {
  std::vector<ProcInfo> table;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    if (auto info = read_proc_stat(std::stoi(name))) table.push_back(*info);
  }
  return table;
}

std::vector<pid_t> live_descendants(pid_t root) {
  auto table = read_proc_table();
  std::vector<pid_t> frontier{root}, out;
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& info : table)
      if (info.ppid == parent) {
        frontier.push_back(info.pid);
        if (info.state != 'Z' && info.state != 'X') out.push_back(info.pid);
      }
  }
  return out;
}

std::string command_line(pid_t pid) {
  std::string cmdline = read_small_file(fmt::format("/proc/{}/cmdline", pid));
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  if (cmdline.empty()) cmdline = "[" + read_small_file(fmt::format("/proc/{}/comm", pid)) + "]";
  if (!cmdline.empty() && cmdline.back() == '\n') cmdline.pop_back();
  if (cmdline.size() > 200) cmdline = cmdline.substr(0, 200) + "…";
  return cmdline;
}

pid_t only_child_of(pid_t init) {
  const std::string children = read_small_file(fmt::format("/proc/{}/task/{}/children", init, init));
  return static_cast<pid_t>(std::strtol(children.c_str(), nullptr, 10));
}

std::optional<std::string> environment_variable(pid_t pid, std::string_view name) {
  const std::string block = read_small_file(fmt::format("/proc/{}/environ", pid));
  for (std::size_t at = 0; at < block.size();) {
    std::size_t end = block.find('\0', at);
    if (end == std::string::npos) end = block.size();
    const std::string_view entry(block.data() + at, end - at);
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
      return std::string(entry.substr(name.size() + 1));
    at = end + 1;
  }
  return std::nullopt;
}

pid_t namespace_pid(pid_t host_pid) {
  const std::string status = read_small_file(fmt::format("/proc/{}/status", host_pid));
  auto line = status.find("\nNSpid:");
  if (line == std::string::npos) return 0;
  auto end = status.find('\n', line + 1);
  auto last = status.find_last_of(" \t", end);
  return static_cast<pid_t>(std::strtol(status.c_str() + last + 1, nullptr, 10));
}

}  // namespace parex::spawn
