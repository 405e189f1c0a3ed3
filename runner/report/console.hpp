// The human summary of a grade: one line a check, diagnostics under failures.
#pragma once

#include <cstdio>

#include "data/result.hpp"

namespace parex {

struct ConsoleStyle {
  bool colour = false;
  bool verbose = false;  // also show detail under passing checks
};

// Colour when `stream` is a terminal and NO_COLOR is unset, or when CLICOLOR_FORCE is set.
ConsoleStyle console_style_for(std::FILE* stream);

// Prints the result of one graded variant.
void print_result(std::FILE* out, const VariantResult& result, const ConsoleStyle& style);

}  // namespace parex
