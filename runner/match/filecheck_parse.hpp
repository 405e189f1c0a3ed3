// The parse stage of filecheck, internal to match/filecheck*.cpp: check text to directives, each regex in RE2 syntax.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match/filecheck_types.hpp"

namespace parex::filecheck {

// What a directive asks: CHECK, -NEXT, -SAME, -NOT, -DAG, -LABEL, -EMPTY, -COUNT-n.
enum class Kind { plain, next, same, not_, dag, label, empty, count };

// A part of a pattern: literal text, a {{regex}}, a variable's definition [[VAR:regex]] or a use [[VAR]].
struct Piece {
  enum Type { literal, regex, define, use } type;
  std::string text;          // literal text, regex, or the variable's name
  std::string define_regex;  // for define: as written
  std::string re2;           // regex, define: the regex in RE2 syntax
  int groups = 0;            // regex, define: the capturing groups inside it
};

// One directive of the check text, its pattern in pieces.
struct Directive {
  Kind kind = Kind::plain;
  int count = 1;
  int line = 0;
  int column = 0;         // of the pattern
  std::string name;       // "CHECK-NEXT"
  std::string text;       // the pattern as written (canonicalised)
  std::string line_text;  // the whole check-file line, for diagnostics
  std::vector<Piece> pieces;
  std::vector<const Directive*> dag_nots;  // for a positive directive: the DAG/NOT directives before it
};

// Runs of spaces and tabs become one space, as FileCheck does to both files unless --strict-whitespace.
std::string canonicalise(std::string_view text);

// Parses the check text into its directives; nullopt, with `outcome` saying why, when it is invalid. Warnings go
// into `outcome` either way.
std::optional<std::vector<Directive>> parse(std::string_view check_text, const Options& options, Outcome& outcome);

}  // namespace parex::filecheck
