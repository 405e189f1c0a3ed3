// LLVM FileCheck's regex dialect (POSIX ERE, as llvm::Regex reads it) translated to RE2 syntax, with LLVM's errors.
// Whatever LLVM accepts means here what LLVM means; what LLVM refuses is refused with LLVM's words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parex::regex {

// A remark on a FileCheck regex: where LLVM reads it other than an author may think.
struct Remark {
  std::size_t offset = 0;  // byte offset in the regex
  std::string message;
};

// A FileCheck {{regex}} (POSIX ERE, as LLVM's llvm::Regex reads it) rewritten in RE2 syntax.
struct Translation {
  std::string re2;               // the same language, written for RE2
  int groups = 0;                // capturing groups it contains
  std::vector<Remark> warnings;  // e.g. "LLVM FileCheck reads \d as 'd'; use [0-9]"
  std::string error;             // non-empty when LLVM would refuse it too, or RE2 cannot express it
  std::size_t error_offset = 0;
};

// Translates an LLVM FileCheck regex. The rule: whatever LLVM accepts means what LLVM means.
Translation translate_filecheck(std::string_view posix_ere);

}  // namespace parex::regex
