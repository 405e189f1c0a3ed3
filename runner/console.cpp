#include "console.hpp"

#include <cstdlib>
#include <sstream>

#include <unistd.h>

#include <fmt/color.h>
#include <fmt/format.h>

namespace parex {
namespace {

std::string paint(const ConsoleStyle& style, fmt::text_style colour, std::string_view text) {
  return style.colour ? fmt::format(colour, "{}", text) : std::string(text);
}

std::string indent(const std::string& text, std::string_view prefix) {
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) out += fmt::format("{}{}\n", prefix, line);
  return out;
}

}  // namespace

ConsoleStyle console_style_for(std::FILE* stream) {
  ConsoleStyle style;
  const char* force = std::getenv("CLICOLOR_FORCE");
  const char* no_colour = std::getenv("NO_COLOR");
  style.colour = (force && *force && std::string_view(force) != "0") ||
                 (::isatty(::fileno(stream)) && !(no_colour && *no_colour));
  return style;
}

void print_result(std::FILE* out, const VariantResult& result, const ConsoleStyle& style) {
  const fmt::text_style green = fmt::fg(fmt::terminal_color::green), red = fmt::fg(fmt::terminal_color::red),
                        yellow = fmt::fg(fmt::terminal_color::yellow), dim = fmt::emphasis::faint;
  const std::string id = fmt::format("{}/{}", result.case_name, result.variant);
  fmt::print(out, "{} {} (expect {}, {} repetition(s), time scale {})\n", paint(style, fmt::emphasis::bold, "parex"), id,
             to_string(result.expect), result.repetitions, result.time_scale);
  if (result.status == Status::error && result.checks.empty()) {
    fmt::print(out, "{} {}: {}\n", paint(style, yellow | fmt::emphasis::bold, "ERROR"), id, result.error);
    std::fflush(out);
    return;
  }
  std::vector<std::string> failed;
  for (const auto& check : result.checks) {
    std::string verdict = check.passed ? paint(style, green, "PASS") : paint(style, red, "FAIL");
    fmt::print(out, "  {}  {:<34} {}\n", verdict, check.name, check.message);
    if ((!check.passed || style.verbose) && !check.detail.empty())
      fmt::print(out, "{}", paint(style, check.passed ? dim : fmt::text_style{}, indent(check.detail, "        ")));
    if (!check.passed) failed.push_back(check.name);
  }
  const std::string time = fmt::format("[{:.2f} s]", result.duration_s);
  if (result.pairs > result.repetitions)
    fmt::print(out, "  note: the speedup was undecided after {} pairs; {} pairs were run\n", result.repetitions, result.pairs);
  if (result.status == Status::error) {
    fmt::print(out, "{} {}: cannot be graded on this machine: {}\n", paint(style, yellow | fmt::emphasis::bold, "ERROR"),
               id, result.error);
  } else if (result.status == Status::pass && result.expect == Expect::pass) {
    fmt::print(out, "{} {}: all {} checks passed {}\n", paint(style, green | fmt::emphasis::bold, "PASS"), id,
               result.checks.size(), time);
  } else if (result.status == Status::pass) {
    fmt::print(out, "{} {}: failed as expected ({} of {} checks failed: {}) {}\n",
               paint(style, green | fmt::emphasis::bold, "PASS"), id, failed.size(), result.checks.size(),
               fmt::join(failed, ", "), time);
  } else if (result.expect == Expect::fail) {
    fmt::print(out, "{} {}: expected some check to fail, but all {} passed {}\n",
               paint(style, red | fmt::emphasis::bold, "FAIL"), id, result.checks.size(), time);
  } else {
    fmt::print(out, "{} {}: {} of {} checks failed: {} {}\n", paint(style, red | fmt::emphasis::bold, "FAIL"), id,
               failed.size(), result.checks.size(), fmt::join(failed, ", "), time);
  }
  std::fflush(out);
}

}  // namespace parex
