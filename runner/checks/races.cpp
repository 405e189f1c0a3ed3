// The races check: ThreadSanitizer's reports from the graded variant's TSan build, run once, turned into a verdict.
#include "checks/races.hpp"

#include <fmt/format.h>

#include "checks/internal.hpp"

namespace parex {

TsanReports parse_tsan(const std::vector<std::string>& lines) {
  TsanReports reports;
  for (const auto& line : lines) {
    if (line.starts_with("WARNING: ThreadSanitizer: ")) {
      ++reports.warnings;
      std::string title = line.substr(std::string_view("WARNING: ThreadSanitizer: ").size());
      if (title.starts_with("data race"))
        reports.races.push_back({});
      else
        reports.other.push_back(title);
    } else if (line.starts_with("FATAL: ThreadSanitizer") || line.starts_with("ThreadSanitizer: CHECK failed")) {
      if (reports.fatal.empty()) reports.fatal = line;
    }
  }
  return reports;
}

CheckResult check_races(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (!evidence.races) {
    result.cannot_judge = true;
    result.message = "the ThreadSanitizer build was not run";
    return result;
  }
  const Run& run = *evidence.races;
  std::vector<std::string> lines;
  for (const auto& line : run.lines)
    if (line.stream == Stream::err) lines.push_back(line.text);
  TsanReports reports = parse_tsan(lines);
  if (!reports.fatal.empty() || run.outcome == Outcome::spawn_error) {
    result.cannot_judge = true;
    result.message =
        fmt::format("ThreadSanitizer could not run the program: {}", reports.fatal.empty() ? run.error : reports.fatal);
    return result;
  }
  result.passed = reports.warnings == 0 && run.exit_code != kTsanExitCode;
  result.message = result.passed ? "ThreadSanitizer reported nothing"
                                 : fmt::format("ThreadSanitizer reported {} data race(s)", reports.races.size());
  return result;
}

}  // namespace parex
