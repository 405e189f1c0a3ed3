#include "data/record.hpp"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace parex {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::exit_nonzero:
      return "exit_nonzero";
    case Outcome::signal:
      return "signal";
    case Outcome::timeout:
      return "timeout";
    case Outcome::output_limit:
      return "output_limit";
    case Outcome::process_limit:
      return "process_limit";
    case Outcome::memory_limit:
      return "memory_limit";
    case Outcome::spawn_error:
      return "spawn_error";
    case Outcome::runner_stopped:
      return "runner_stopped";
  }
  return "unknown";
}

std::string_view to_string(Capture capture) { return capture == Capture::pipe ? "pipe" : "pty"; }
std::string_view to_string(Expect expect) { return expect == Expect::pass ? "pass" : "fail"; }

std::string_view to_string(Stream stream) { return stream == Stream::out ? "stdout" : "stderr"; }

std::string_view to_string(Role role) {
  switch (role) {
    case Role::graded:
      return "graded";
    case Role::baseline:
      return "baseline";
    case Role::races:
      return "races";
  }
  return "graded";
}

std::string signal_name(int signo) {
  if (const char* abbrev = sigabbrev_np(signo)) return fmt::format("SIG{}", abbrev);
  return fmt::format("signal {}", signo);
}

std::optional<int> signal_number(std::string_view name) {
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (int signo = 1; signo < NSIG; ++signo) {
    const char* abbrev = sigabbrev_np(signo);
    if (abbrev && name == abbrev) return signo;
  }
  return std::nullopt;
}

std::vector<std::string> stdout_lines(const Run& run, std::optional<int> rank) {
  if (rank && *rank >= run.ranks) rank.reset();
  std::vector<std::string> out;
  for (const auto& line : run.lines)
    if (line.stream == Stream::out && (!rank || line.rank == rank)) out.push_back(line.text);
  return out;
}

}  // namespace parex
