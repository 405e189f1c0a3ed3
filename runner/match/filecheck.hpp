// A matcher with LLVM FileCheck's semantics, for the `filecheck` check and `parex filecheck`.
// Its stages: filecheck_parse.cpp reads the check text into directives; filecheck.cpp matches them against the
// input and writes FileCheck's diagnostics.
#pragma once

#include <string_view>

#include "match/filecheck_types.hpp"

namespace parex::filecheck {

// Matches `input` against the directives in `check_text` with LLVM FileCheck's default semantics
// (horizontal whitespace canonicalised, global variables, no implicit checks).
Outcome run(std::string_view check_text, std::string_view input, const Options& options = {});

// The check text alone, as run reads it before any input: status match or invalid_checks, with its warnings.
Outcome validate(std::string_view check_text, const Options& options = {});

}  // namespace parex::filecheck
