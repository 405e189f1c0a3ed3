// The races check: ThreadSanitizer's reports from the graded variant's TSan build, run once, turned into a verdict.
#include "checks/races.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/internal.hpp"

namespace parex {
namespace {

constexpr std::string_view kDelimiter = "==================";
constexpr std::string_view kWarning = "WARNING: ThreadSanitizer: ";
constexpr std::size_t kDataFrames = 8;    // of each stack in result.data
constexpr std::size_t kDetailFrames = 5;  // of each stack in the detail

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == text.npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view digits) {
  int value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == path.npos ? path : path.substr(slash + 1);
}

// "==15635==ERROR: ..." is "ERROR: ...": sanitizer_common's prefix holds the pid, which changes with each run.
std::string_view without_pid(std::string_view line) {
  if (!line.starts_with("==")) return line;
  const auto end = line.find("==", 2);
  if (end == line.npos || !all_digits(line.substr(2, end - 2))) return line;
  return line.substr(end + 2);
}

// "    #0 work(int) /src/counter.cpp:8:7 (counter+0x1245)", read from the right: a function's name may hold spaces,
// parentheses and templates; the module part and the file do not.
std::optional<TsanFrame> parse_frame(std::string_view line) {
  line = trimmed(line);
  const auto space = line.find(' ');
  if (!line.starts_with('#') || space == line.npos || !all_digits(line.substr(1, space - 1))) return std::nullopt;
  std::string_view rest = trimmed(line.substr(space + 1));
  TsanFrame frame;
  if (const auto open = rest.rfind(" ("); rest.ends_with(')') && open != rest.npos) {
    const std::string_view inside = rest.substr(open + 2, rest.size() - open - 3);
    if (const auto plus = inside.rfind('+'); plus != inside.npos && inside.substr(plus + 1).starts_with("0x")) {
      frame.module = basename(inside.substr(0, plus));
      frame.offset = inside.substr(plus + 1);
      rest = rest.substr(0, open);
    } else if (inside.starts_with("0x")) {  // an address outside any module
      frame.offset = inside;
      rest = rest.substr(0, open);
    }
  }
  const auto last = rest.rfind(' ');
  std::string_view function = last == rest.npos ? rest : rest.substr(0, last);
  std::string_view where = last == rest.npos ? std::string_view() : rest.substr(last + 1);
  if (function != "<null>") frame.function = function;
  if (where == "<null>") return frame;
  // file:line or file:line:column
  if (const auto colon = where.rfind(':'); colon != where.npos && all_digits(where.substr(colon + 1))) {
    frame.line = to_int(where.substr(colon + 1));
    where = where.substr(0, colon);
    if (const auto first = where.rfind(':'); first != where.npos && all_digits(where.substr(first + 1))) {
      frame.line = to_int(where.substr(first + 1));
      where = where.substr(0, first);
    }
  }
  frame.file = where;
  return frame;
}

// "  Previous atomic write of size 8 at 0x7b04... by thread T1 (mutexes: write M9):"
std::optional<TsanAccess> parse_access(std::string_view line) {
  line = trimmed(line);
  if (!line.ends_with(':')) return std::nullopt;
  line.remove_suffix(1);
  if (line.starts_with("Previous ")) line.remove_prefix(std::string_view("Previous ").size());
  const auto of_size = line.find(" of size ");
  const auto by = line.find(" by ", of_size == line.npos ? 0 : of_size);
  if (of_size == line.npos || by == line.npos) return std::nullopt;
  TsanAccess access;
  for (char c : line.substr(0, of_size)) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != ' ') return std::nullopt;
    access.kind += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!access.kind.ends_with("read") && !access.kind.ends_with("write")) return std::nullopt;
  std::string_view size = line.substr(of_size + std::string_view(" of size ").size());
  access.size = to_int(size.substr(0, size.find(' ')));
  std::string_view who = line.substr(by + 4);
  if (const auto mutexes = who.find(" (mutexes:"); mutexes != who.npos) who = who.substr(0, mutexes);
  if (who.starts_with("thread ")) who.remove_prefix(std::string_view("thread ").size());
  access.thread = who;
  return access;
}

// "Location is global 'counter' of size 8 at 0x55e6... (counter+0x40a0)": the variable, and the sentence without
// its addresses, which change with each run.
void parse_location(std::string_view sentence, TsanRace& race) {
  sentence = trimmed(sentence.substr(std::string_view("Location is ").size()));
  std::string module_part;
  if (const auto open = sentence.rfind(" ("); sentence.ends_with(')') && open != sentence.npos)
    module_part = sentence.substr(open + 2, sentence.size() - open - 3);
  while (!sentence.empty() && (sentence.back() == ':' || sentence.back() == '.')) sentence.remove_suffix(1);
  if (const auto at = sentence.find(" at 0x"); at != sentence.npos) sentence = sentence.substr(0, at);
  if (sentence.ends_with(" at")) sentence.remove_suffix(3);  // "file descriptor 3 created by main thread at:"
  race.location = sentence;
  if (!sentence.starts_with("global '")) return;
  std::string_view name = sentence.substr(std::string_view("global '").size());
  name = name.substr(0, name.find('\''));
  if (name == "<null>")  // no symbols: where it is in the module is all there is
    race.location = module_part.empty() ? "global" : "global at " + module_part;
  else
    race.variable = name;
}

bool library_module(std::string_view module) {
  for (std::string_view library : {"libstdc++", "libtsan", "libc.so", "libc++", "libm.so", "libgcc", "ld-linux"})
    if (module.starts_with(library)) return true;
  return false;
}

// A frame of the program's own source: not a system header's, TSan's own (libsanitizer, even linked statically) or
// a library's.
bool own_source(const TsanFrame& frame) {
  return !frame.file.empty() && !frame.file.starts_with("/usr/") && !frame.file.starts_with("/lib") &&
         frame.file.find("libsanitizer/") == std::string::npos && !library_module(frame.module);
}

bool own_module(const TsanFrame& frame) { return !frame.module.empty() && !library_module(frame.module); }

// The innermost frame of the program's own code, and whether it has a source line (else: not a library's module).
std::pair<const TsanFrame*, bool> own_frame(const std::vector<TsanFrame>& stack) {
  for (const auto& frame : stack)
    if (own_source(frame)) return {&frame, true};
  for (const auto& frame : stack)
    if (own_module(frame)) return {&frame, false};
  return {stack.empty() ? nullptr : &stack.front(), false};
}

// What deduplicates races: the own frame's whole path and line, or its module and offset.
std::string own_key(const std::vector<TsanFrame>& stack) {
  auto [frame, symbolic] = own_frame(stack);
  if (!frame) return "";
  return symbolic ? fmt::format("{}:{}", frame->file, frame->line) : fmt::format("{}+{}", frame->module, frame->offset);
}

// Reads one report, lines[begin] its "WARNING: ..." title, up to `end`, into `out`; `seen` maps a race's pair of
// own locations to its index in out.races.
void read_report(const std::vector<std::string>& lines, std::size_t begin, std::size_t end, TsanReports& out,
                 std::map<std::pair<std::string, std::string>, std::size_t>& seen) {
  ++out.warnings;
  std::string_view title = trimmed(lines[begin]).substr(kWarning.size());
  if (const auto pid = title.rfind(" (pid="); pid != title.npos && title.ends_with(')')) title = title.substr(0, pid);
  const bool is_race = title.starts_with("data race");  // "data race on vptr (ctor/dtor vs virtual call)" too
  TsanRace race;
  std::vector<TsanFrame> first_stack;  // of another kind's report: where it is
  bool first_stack_done = false;
  bool in_access = false;
  for (std::size_t i = begin + 1; i < end; ++i) {
    const std::string_view line = trimmed(lines[i]);
    if (auto frame = parse_frame(line)) {
      if (in_access) race.accesses.back().stack.push_back(*frame);
      if (!first_stack_done) first_stack.push_back(std::move(*frame));
      continue;
    }
    if (!first_stack.empty()) first_stack_done = true;
    if (auto access = parse_access(line)) {
      race.accesses.push_back(std::move(*access));
      in_access = true;
    } else if (line.starts_with("Location is ")) {
      parse_location(line, race);
      in_access = false;
    } else if (line.empty() || lines[i].starts_with("  ") || line.starts_with("SUMMARY: ")) {
      in_access = false;  // the end of a stack, or another section: "Mutex M9 ... created at:", "Thread T1 ..."
    }
    // Other lines are the program's own, written between TSan's: they end nothing.
  }
  if (!is_race) {
    TsanWarning warning{std::string(title), own_location(first_stack)};
    auto same = std::find_if(out.other.begin(), out.other.end(), [&](const TsanWarning& w) {
      return w.title == warning.title && w.where == warning.where;
    });
    if (same != out.other.end())
      ++same->reports;
    else
      out.other.push_back(std::move(warning));
    return;
  }
  std::pair<std::string, std::string> key;
  if (!race.accesses.empty()) key.first = own_key(race.accesses[0].stack);
  if (race.accesses.size() > 1) key.second = own_key(race.accesses[1].stack);
  if (key.second < key.first) std::swap(key.first, key.second);
  if (auto found = seen.find(key); found != seen.end()) {
    ++out.races[found->second].reports;
    return;
  }
  seen.emplace(key, out.races.size());
  out.races.push_back(std::move(race));
}

bool fatal_line(std::string_view line) {
  return line.starts_with("FATAL: ThreadSanitizer") || line.starts_with("ThreadSanitizer: CHECK failed") ||
         line.starts_with("ThreadSanitizer: failed") ||
         // "ERROR: ThreadSanitizer failed to allocate ...", "... setrlimit() failed": TSan's own; with a colon it
         // is a report on the program (a crash), but running out of memory is TSan's overhead's doing.
         (line.starts_with("ERROR: ThreadSanitizer") && !line.starts_with("ERROR: ThreadSanitizer: ")) ||
         line.starts_with("ERROR: ThreadSanitizer: out of memory");
}

// "==N==ERROR: ThreadSanitizer: SEGV on unknown address 0x000000000000 (pc ...)" at lines[i], then its stack.
TsanWarning read_crash(const std::vector<std::string>& lines, std::size_t i) {
  std::string_view title = without_pid(trimmed(lines[i])).substr(std::string_view("ERROR: ThreadSanitizer: ").size());
  title = title.substr(0, title.find(" (pc "));
  std::vector<TsanFrame> stack;
  for (++i; i < lines.size(); ++i) {
    const std::string_view line = trimmed(lines[i]);
    if (auto frame = parse_frame(line))
      stack.push_back(std::move(*frame));
    else if (without_pid(line) == line)  // not one of its "==N==The signal is caused by ..." lines
      break;
  }
  return {std::string(title), own_location(stack)};
}

}  // namespace

std::string own_location(const std::vector<TsanFrame>& stack) {
  auto [frame, symbolic] = own_frame(stack);
  if (!frame) return "";
  if (symbolic) return fmt::format("{}:{}", basename(frame->file), frame->line);
  if (frame->module.empty()) return frame->function.empty() ? frame->offset : frame->function;
  return fmt::format("{}+{}", frame->module, frame->offset);
}

TsanReports parse_tsan(const std::vector<std::string>& lines) {
  TsanReports reports;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trimmed(lines[i]);
    // A report opens with the delimiter and its title: a delimiter alone (the program's) opens nothing, and a
    // report cut short ends where the next one opens.
    if (line.starts_with(kWarning) && i > 0 && trimmed(lines[i - 1]) == kDelimiter) {
      std::size_t end = i + 1;
      while (end < lines.size() && trimmed(lines[end]) != kDelimiter) ++end;
      read_report(lines, i, end, reports, seen);
      i = end;
      continue;
    }
    const std::string_view text = without_pid(line);
    if (text.starts_with("ThreadSanitizer: reported ")) {
      std::string_view count = text.substr(std::string_view("ThreadSanitizer: reported ").size());
      count = count.substr(0, count.find(' '));
      if (all_digits(count)) reports.reported = to_int(count);
    } else if (fatal_line(text)) {
      if (reports.fatal.empty()) reports.fatal = text;
    } else if (text.starts_with("ERROR: ThreadSanitizer: ") && !reports.crash) {
      reports.crash = read_crash(lines, i);
      ++reports.warnings;
    }
  }
  return reports;
}

namespace {

std::string thread_name(const std::string& thread) {
  return thread.size() > 1 && thread[0] == 'T' && std::isdigit(static_cast<unsigned char>(thread[1]))
             ? "thread " + thread
             : thread;
}

// " on `counter`", " on a heap block of size 4", " on the stack of thread T1", "" where TSan named no location.
std::string race_subject(const TsanRace& race) {
  const std::string& location = race.location;
  if (!race.variable.empty()) return fmt::format(" on `{}`", race.variable);
  if (location.empty()) return "";
  if (location.starts_with("heap block") || location.starts_with("global")) return " on a " + location;
  if (location.starts_with("stack") || location.starts_with("TLS")) return " on the " + location;
  return " on " + location;
}

// "(counter.cpp:14, write by thread T2)"
std::string access_summary(const TsanAccess& access) {
  const std::string where = own_location(access.stack);
  return fmt::format("({}{} by {})", where.empty() ? "" : where + ", ", access.kind, thread_name(access.thread));
}

std::string race_summary(const TsanRace& race) {
  std::vector<std::string> sides;
  for (const auto& access : race.accesses) sides.push_back(access_summary(access));
  return fmt::format("data race{}{}{}", race_subject(race), sides.empty() ? "" : " ", fmt::join(sides, " and "));
}

std::string frame_text(const TsanFrame& frame) {
  const std::string function = frame.function.empty() ? "<null>" : frame.function;
  if (!frame.file.empty()) return fmt::format("{} {}:{}", function, basename(frame.file), frame.line);
  return fmt::format("{} ({}+{})", function, frame.module, frame.offset);
}

// A stack for people: the frames inside the library the access was made in, then the program's own, up to
// kDetailFrames; the rest (a thread's start in libstdc++, std::thread's templates) counted.
std::vector<std::string> stack_rows(const std::vector<TsanFrame>& stack) {
  auto [own, symbolic] = own_frame(stack);
  const std::size_t own_index = own ? static_cast<std::size_t>(own - stack.data()) : stack.size();
  std::vector<std::string> rows;
  std::size_t left_out = 0;
  for (std::size_t f = 0; f < stack.size(); ++f) {
    const bool shown = f <= own_index || (symbolic ? own_source(stack[f]) : own_module(stack[f]));
    if (shown && rows.size() < kDetailFrames)
      rows.push_back(fmt::format("#{} {}", f, frame_text(stack[f])));
    else
      ++left_out;
  }
  if (left_out > 0)
    rows.push_back(fmt::format("({} more frame{} in libraries or further out)", left_out, left_out == 1 ? "" : "s"));
  return rows;
}

// Each race with both accesses and the innermost frames of their stacks, then the other reports.
std::string race_detail(const TsanReports& reports, const Run& run) {
  std::vector<std::string> rows;
  for (const auto& race : reports.races) {
    rows.push_back(fmt::format("data race{}{}{}:", race_subject(race),
                               race.variable.empty() || race.location.empty() ? "" : " (" + race.location + ")",
                               race.reports > 1 ? fmt::format(" ({} reports)", race.reports) : ""));
    for (std::size_t a = 0; a < race.accesses.size(); ++a) {
      const TsanAccess& access = race.accesses[a];
      rows.push_back(fmt::format("  {}{} of size {} by {}:", a == 0 ? "" : "previous ", access.kind, access.size,
                                 thread_name(access.thread)));
      for (const auto& row : stack_rows(access.stack)) rows.push_back("    " + row);
    }
  }
  for (const auto& warning : reports.other)
    rows.push_back(fmt::format("{}{}{}", warning.title, warning.where.empty() ? "" : " at " + warning.where,
                               warning.reports > 1 ? fmt::format(" ({} reports)", warning.reports) : ""));
  if (reports.crash)
    rows.push_back(fmt::format("the program crashed: {}{}", reports.crash->title,
                               reports.crash->where.empty() ? "" : " at " + reports.crash->where));
  // TSan's own count is read only beside its exit code: the program may print the line too.
  if (run.exit_code == kTsanExitCode && reports.reported > reports.warnings)
    rows.push_back(fmt::format("ThreadSanitizer counted {} warnings, {} were read from stderr", reports.reported,
                               reports.warnings));
  return fmt::format("{}", fmt::join(rows, "\n"));
}

// result.data, which the report draws: every race with both accesses and at most kDataFrames of each stack.
nlohmann::json race_data(const TsanReports& reports, const Run& run) {
  nlohmann::json races = nlohmann::json::array();
  for (const auto& race : reports.races) {
    nlohmann::json accesses = nlohmann::json::array();
    for (const auto& access : race.accesses) {
      nlohmann::json stack = nlohmann::json::array();
      for (std::size_t f = 0; f < access.stack.size() && f < kDataFrames; ++f) {
        const TsanFrame& frame = access.stack[f];
        stack.push_back(
            {{"function", frame.function}, {"file", frame.file}, {"line", frame.line}, {"module", frame.module}});
      }
      accesses.push_back({{"kind", access.kind},
                          {"size", access.size},
                          {"thread", access.thread},
                          {"where", own_location(access.stack)},
                          {"stack", std::move(stack)}});
    }
    races.push_back({{"variable", race.variable},
                     {"location", race.location},
                     {"reports", race.reports},
                     {"accesses", std::move(accesses)}});
  }
  std::vector<std::string> other;
  for (const auto& warning : reports.other)
    if (std::find(other.begin(), other.end(), warning.title) == other.end()) other.push_back(warning.title);
  if (reports.crash) other.push_back(reports.crash->title);
  return {{"races", std::move(races)},
          {"other", other},
          {"warnings", reports.warnings},
          {"exit_code", run.exit_code ? nlohmann::json(*run.exit_code) : nlohmann::json()}};
}

// TSan's own lines of a run it could not finish: "==N==WARNING: Program is run with limited virtual address
// space", the fatal error.
std::string tsan_lines(const std::vector<std::string>& lines) {
  std::vector<std::string_view> rows;
  for (const auto& line : lines)
    if (rows.size() < 10 && (line.find("ThreadSanitizer") != line.npos || without_pid(line) != line))
      rows.push_back(trimmed(line));
  return fmt::format("{}", fmt::join(rows, "\n"));
}

// The run ended of itself (an exit status), not killed by a signal, a limit or the timeout.
bool finished(const Run& run) { return run.outcome == Outcome::ok || run.outcome == Outcome::exit_nonzero; }

}  // namespace

CheckResult check_races(const CheckSpec& check, const Evidence& evidence) {
  CheckResult result = start(check);
  if (!evidence.races) {
    result.cannot_judge = true;
    result.message = "the ThreadSanitizer build was not run";
    return result;
  }
  const Run& run = *evidence.races;
  if (run.outcome == Outcome::spawn_error) {
    result.cannot_judge = true;
    result.message = fmt::format("ThreadSanitizer could not run the program: {}", run.error);
    return result;
  }
  std::vector<std::string> lines;
  for (const auto& line : run.lines)
    if (line.stream == Stream::err) lines.push_back(line.text);
  const TsanReports reports = parse_tsan(lines);
  result.measured = static_cast<double>(reports.races.size());
  result.data = race_data(reports, run);
  result.detail = race_detail(reports, run);

  // What TSan reported stands, however the run ended: a report is never the machine's doing.
  if (!reports.races.empty()) {
    result.message = race_summary(reports.races.front());
    if (reports.races.size() > 1) result.message += fmt::format(" + {} more", reports.races.size() - 1);
    return result;
  }
  if (reports.crash) {
    result.message = fmt::format("the program crashed under ThreadSanitizer: {}{}", reports.crash->title,
                                 reports.crash->where.empty() ? "" : " at " + reports.crash->where);
    return result;
  }
  if (!reports.other.empty()) {
    std::vector<std::string> titles;
    for (const auto& warning : reports.other)
      titles.push_back(warning.where.empty() ? warning.title : fmt::format("{} at {}", warning.title, warning.where));
    result.message = fmt::format("no data race, but ThreadSanitizer reported: {}", fmt::join(titles, ", "));
    return result;
  }
  // A TSan that could not start never lets the program exit 0 (it dies with its exit code or a signal): a fatal
  // line from a run that did is the program's own print.
  if (!reports.fatal.empty() && run.outcome != Outcome::ok) {
    result.cannot_judge = true;
    result.message = fmt::format("ThreadSanitizer could not run the program: {}", reports.fatal);
    result.detail = tsan_lines(lines);
    return result;
  }
  if (!finished(run)) {  // killed before it reported anything: nothing is known of the races it did not reach
    result.cannot_judge = true;
    auto tsan = std::find_if(lines.begin(), lines.end(),
                             [](const std::string& line) { return line.find("ThreadSanitizer") != line.npos; });
    result.detail = tsan_lines(lines);
    if (tsan != lines.end())
      result.message = fmt::format("ThreadSanitizer could not run the program: {}", without_pid(trimmed(*tsan)));
    else
      result.message = fmt::format("the ThreadSanitizer build {} before it reported anything: no verdict on data races",
                                   !run.error.empty() ? run.error
                                   : run.signal       ? fmt::format("was killed by {}", signal_name(*run.signal))
                                                      : std::string(to_string(run.outcome)));
    return result;
  }
  if (run.exit_code == kTsanExitCode) {
    result.message =
        fmt::format("ThreadSanitizer found something but its report was lost (exit code {})", kTsanExitCode);
    return result;
  }
  result.passed = true;
  result.message = "ThreadSanitizer reported nothing";
  return result;
}

}  // namespace parex
