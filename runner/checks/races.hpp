// ThreadSanitizer's reports, read from the stderr of a `races` check's run (the graded variant's TSan build).
#pragma once

#include <optional>
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
  std::string offset;  // in the module: "0x121f"
};

// One side of a race: "Write of size 8 at 0x... by thread T2:" and its stack, innermost first.
struct TsanAccess {
  std::string kind;    // "write", "read", "atomic write", ...
  int size = 0;        // bytes
  std::string thread;  // "T2", "main thread"
  std::vector<TsanFrame> stack;
};

// A data race, deduplicated by its two accesses' own locations (own_location, in either order).
struct TsanRace {
  std::string variable;              // "counter" for a global; "" for heap and stack memory, or without symbols
  std::string location;              // TSan's "Location is ..." without addresses: "global 'counter' of size 8",
                                     // "heap block of size 4", "stack of thread T1"; "" when it gave none
  std::vector<TsanAccess> accesses;  // the current access, then the previous one
  int reports = 1;                   // TSan reports merged into this one
};

// A report of another kind ("thread leak", "lock-order-inversion (potential deadlock)"), or the program's crash
// ("SEGV on unknown address 0x000000000000"), where its first stack is in the program's own code.
struct TsanWarning {
  std::string title;
  std::string where;  // own_location of its first stack: "leak.cpp:9"
  int reports = 1;    // reports of this title and place
};

struct TsanReports {
  std::vector<TsanRace> races;
  std::vector<TsanWarning> other;  // deduplicated by title and place, in the order first reported
  // The program died of a signal TSan caught ("==N==ERROR: ThreadSanitizer: SEGV on unknown address ..."): the
  // program's fault, unlike `fatal`.
  std::optional<TsanWarning> crash;
  int warnings = 0;   // reports of any kind read
  int reported = -1;  // TSan's own count ("ThreadSanitizer: reported 3 warnings"), -1 when it printed none
  // TSan could not run the program: its line ("ThreadSanitizer: CHECK failed: ...", "FATAL: ThreadSanitizer:
  // unexpected memory mapping ...", "ERROR: ThreadSanitizer failed to allocate ..."), "" when it could.
  std::string fatal;
};

// Parses TSan's reports out of a run's stderr lines. A report is the lines from a "WARNING: ThreadSanitizer: ..."
// right after a "==================" line to the next "==================": the program's own lines, a lone
// delimiter or report-like lines outside that frame, are not one. Fatal errors, a caught crash and TSan's count are
// read from the lines between reports.
TsanReports parse_tsan(const std::vector<std::string>& lines);

// Where `stack` is in the program's own code: the innermost frame with a source file that is not a system or
// library one (/usr/, libsanitizer, libstdc++, libtsan, libc), as "counter.cpp:14" (the file's name); without
// symbols, the innermost frame in a module that is not a library, as "stripped+0x1245"; "" for an empty stack.
std::string own_location(const std::vector<TsanFrame>& stack);

}  // namespace parex
