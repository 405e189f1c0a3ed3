// ThreadSanitizer's reports, read from the stderr of a `races` check's run (the graded variant's TSan build).
#pragma once

#include <string>
#include <vector>

namespace parex {

// The exit code TSan gives a run that reported anything (TSAN_OPTIONS exitcode): a report lost from stderr still
// shows in it. 66 is TSan's own default.
inline constexpr int kTsanExitCode = 66;
// The TSan build of a variant: <variant>.tsan beside <variant> (cmake/ParexCatalog.cmake builds it for a case with
// a races check); its timeout is the case's times this.
inline constexpr const char* kTsanSuffix = ".tsan";
inline constexpr double kTsanSlowdown = 10;
// TSAN_OPTIONS of a races run, which override the program's own __tsan_default_options: report (report_bugs=1),
// go on after the first report, on stderr (which the runner captures), with both accesses' stacks, and read no
// suppressions file.
inline constexpr const char* kTsanOptions =
    "report_bugs=1 halt_on_error=0 exitcode=66 log_path=stderr history_size=4 report_signal_unsafe=0 suppressions=";

// One frame of a TSan stack: "#0 work() /src/counter.cpp:14 (counter+0x121f)"; "" and 0 where TSan said <null>.
struct TsanFrame {
  std::string function;
  std::string file;
  int line = 0;
  std::string module;  // "counter", "libstdc++.so.6"
};

// One side of a race: "Write of size 8 at 0x... by thread T2:" and its stack, innermost first.
struct TsanAccess {
  std::string kind;    // "write", "read", "atomic write", ...
  int size = 0;        // bytes
  std::string thread;  // "T2", "main thread"
  std::vector<TsanFrame> stack;
};

// A data race, deduplicated by its two accesses' file:line (in either order).
struct TsanRace {
  std::string variable;              // "counter" for a global; "" for heap and stack memory
  std::string location;              // TSan's "Location is ..." sentence, "" when it gave none
  std::vector<TsanAccess> accesses;  // the current access, then the previous one
  int reports = 1;                   // TSan reports merged into this one
};

struct TsanReports {
  std::vector<TsanRace> races;
  std::vector<std::string> other;  // other warnings' titles: "thread leak", "signal-unsafe call inside of a signal"
  int warnings = 0;                // reports of any kind seen
  std::string fatal;               // TSan could not run the program (its message), "" when it could
};

// Parses TSan's report blocks out of a run's stderr lines (other lines are the program's own and are ignored).
TsanReports parse_tsan(const std::vector<std::string>& lines);

}  // namespace parex
