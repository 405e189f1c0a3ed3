#include "report/console.hpp"

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

// Program output quoted in a message, made safe for a terminal: a program must not be able to move the
// cursor, clear the screen or forge a PASS line through what a diagnostic quotes. Control characters
// (C0 but tab and newline, DEL, C1) and bytes that are not UTF-8 are shown as \xNN.
std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char byte) { out += fmt::format("\\x{:02x}", byte); };
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if ((byte < 0x20 && byte != '\t' && byte != '\n') || byte == 0x7f)
        escape(byte);
      else
        out += static_cast<char>(byte);
      ++i;
      continue;
    }
    std::size_t length = byte >= 0xC2 && byte <= 0xDF   ? 2
                         : byte >= 0xE0 && byte <= 0xEF ? 3
                         : byte >= 0xF0 && byte <= 0xF4 ? 4
                                                        : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    const auto second = valid ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (valid &&
        ((byte == 0xE0 && second < 0xA0) || (byte == 0xED && second > 0x9F) || (byte == 0xF0 && second < 0x90) ||
         (byte == 0xF4 && second > 0x8F) || (byte == 0xC2 && second <= 0x9F)))  // C1 controls are U+0080-U+009F
      valid = false;
    if (!valid) {
      escape(byte);
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
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
  style.colour =
      (force && *force && std::string_view(force) != "0") || (::isatty(::fileno(stream)) && !(no_colour && *no_colour));
  return style;
}

void print_result(std::FILE* out, const VariantResult& result, const ConsoleStyle& style) {
  const fmt::text_style green = fmt::fg(fmt::terminal_color::green), red = fmt::fg(fmt::terminal_color::red),
                        yellow = fmt::fg(fmt::terminal_color::yellow), dim = fmt::emphasis::faint;
  const std::string id = fmt::format("{}/{}", result.case_name, result.variant);
  fmt::print(out, "{} {} (expect {}, {} repetition(s), time scale {})\n", paint(style, fmt::emphasis::bold, "parex"),
             id, to_string(result.expect), result.repetitions, result.time_scale);
  auto print_score = [&] {
    if (!result.score_summary.empty()) fmt::print(out, "{}: {}\n", id, result.score_summary);
    if (!result.score_gate.empty() && result.status != Status::build_error && result.status != Status::missing)
      fmt::print(out, "  ({})\n", terminal_safe(result.score_gate));
  };
  if (result.status == Status::missing) {
    fmt::print(out, "{} {}: {}\n", paint(style, red | fmt::emphasis::bold, "MISSING"), id, terminal_safe(result.error));
    print_score();
    std::fflush(out);
    return;
  }
  if (result.status == Status::build_error) {
    fmt::print(out, "{} {}: the case did not build, so nothing was run:\n{}",
               paint(style, red | fmt::emphasis::bold, "BUILD ERROR"), id,
               indent(terminal_safe(result.error), "        "));
    print_score();
    std::fflush(out);
    return;
  }
  if (result.status == Status::error && result.checks.empty()) {
    fmt::print(out, "{} {}: {}\n", paint(style, yellow | fmt::emphasis::bold, "ERROR"), id, result.error);
    std::fflush(out);
    return;
  }
  std::vector<std::string> failed;
  for (const auto& check : result.checks) {
    std::string verdict = check.passed ? paint(style, green, "PASS") : paint(style, red, "FAIL");
    fmt::print(out, "  {}  {:<34} {}\n", verdict, terminal_safe(check.name), terminal_safe(check.message));
    if ((!check.passed || style.verbose) && !check.detail.empty())
      fmt::print(out, "{}",
                 paint(style, check.passed ? dim : fmt::text_style{}, indent(terminal_safe(check.detail), "        ")));
    // The case author's own hint, labelled apart from the "hint:" lines parex writes in a detail.
    if (!check.passed && !check.hint.empty())
      fmt::print(out, "{}",
                 indent(paint(style, yellow, "hint (from the case): ") + terminal_safe(check.hint), "        "));
    if (!check.passed) failed.push_back(check.name);
  }
  const std::string time = fmt::format("[{:.2f} s]", result.duration_s);
  if (result.pairs > result.repetitions)
    fmt::print(out, "  note: the speedup was undecided after {} pairs; {} pairs were run\n", result.repetitions,
               result.pairs);
  if (!result.stopped_early.empty() && result.pairs < result.repetitions)
    fmt::print(out, "  note: {} of {} pairs run: {}\n", result.pairs, result.repetitions,
               terminal_safe(result.stopped_early));
  for (const auto& run : result.runs)
    if (!run.reused_from.empty())
      fmt::print(out, "  note: baseline '{}' was not run again: its run is the one {}'s grade recorded\n",
                 terminal_safe(run.variant), terminal_safe(run.reused_from));
  if (result.status == Status::error) {
    fmt::print(out, "{} {}: cannot be graded: {}\n", paint(style, yellow | fmt::emphasis::bold, "ERROR"), id,
               terminal_safe(result.error));
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
  print_score();
  std::fflush(out);
}

}  // namespace parex
