// What filecheck::run is given and gives back, apart from filecheck.hpp so that its stages can include them.
#pragma once

#include <string>
#include <vector>

namespace parex::filecheck {

struct Options {
  std::string prefix = "CHECK";             // --check-prefix
  std::string check_name = "<check-file>";  // in diagnostics: "<check_name>:LINE:COL: error: ..."
  std::string input_name = "<stdin>";
  int line_offset = 0;  // added to check-text line numbers (the text's place in case.toml)
};

enum class Status { match, mismatch, invalid_checks };  // invalid_checks: the check text itself (or an empty input)

// A remark on the check text that does not stop it, e.g. "LLVM FileCheck reads \d as 'd'; use [0-9]".
struct Warning {
  int line = 0;  // in the check text, plus Options::line_offset
  int column = 0;
  std::string message;
};

struct Outcome {
  Status status = Status::match;
  std::string diagnostic;         // multi-line, FileCheck-style; empty on match
  std::string summary;            // one line, e.g. "CHECK-NEXT: expected string not found: cube 8 (check line 3)"
  int check_line = 0;             // 1-based line of the failing directive, 0 if none
  std::vector<Warning> warnings;  // about the check text, whatever the status
};

}  // namespace parex::filecheck
