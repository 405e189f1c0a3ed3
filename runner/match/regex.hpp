// The one regex engine of the runner: RE2 (linear time, no recursion, bounded memory) over bytes.
// Every pattern a check uses goes through here: in_order, interleaved, ignore, and filecheck's {{...}} (written
// for RE2 by match/posix_ere.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace parex::regex {

// The memory RE2 may use for one compiled pattern (its program and its DFA caches). A pattern that
// needs more is refused when compiled (RE2 "pattern too large"); a search never fails for it: when
// the DFA's cache fills up, RE2 goes on with its NFA, still in linear time.
inline constexpr std::int64_t kMaxMemBytes = 32LL << 20;

struct Options {
  bool longest_match = false;        // leftmost-longest (POSIX, FileCheck) instead of leftmost-first (Perl, RE2)
  bool multi_line = false;           // ^ and $ also match at line breaks inside the searched text
  std::int64_t extra_mem_bytes = 0;  // more than kMaxMemBytes, for text substituted into a pattern at run time
};

struct Span {
  std::size_t pos = 0, len = 0;
};

// A compiled pattern in RE2 syntax, matching bytes (Latin-1: invalid UTF-8 and NUL bytes are characters).
class Pattern {
 public:
  // Compiles `pattern`; ok() is false and error() says why when RE2 cannot take it.
  explicit Pattern(std::string_view pattern, const Options& options = {});
  ~Pattern();
  Pattern(Pattern&&) noexcept;
  Pattern& operator=(Pattern&&) noexcept;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& source() const { return source_; }
  int groups() const;  // capturing groups

  // True when the pattern matches somewhere in `text` (unanchored).
  bool search(std::string_view text) const;

  // The first match that starts in text[from, to) and ends by `to` (leftmost, then first or longest by
  // the options), with its capturing groups' spans, offsets into `text` (nullopt for a group that took no
  // part). The rest of `text` is context: ^ does not match at `from` unless a line starts there.
  struct Found {
    Span whole;
    std::vector<std::optional<Span>> groups;  // groups[i] is group i + 1
  };
  std::optional<Found> find(std::string_view text, std::size_t from, std::size_t to, bool with_groups = true) const;
  std::optional<Found> find(std::string_view text, bool with_groups = true) const {
    return find(text, 0, text.size(), with_groups);
  }
  // True when the pattern matches all of `text`.
  bool full_match(std::string_view text) const;

 private:
  std::string source_;
  std::string error_;
  std::unique_ptr<re2::RE2> re_;
};

// Checks that `pattern` (RE2 syntax) can be used; on failure, a message naming what RE2 does not take
// and what to write instead (e.g. lookaround, backreferences). nullopt when it compiles.
std::optional<std::string> validate(std::string_view pattern);

// Escapes `text` so that RE2 matches it literally.
std::string quote(std::string_view text);

// `text` for a diagnostic: at most `max_bytes` bytes, cut in the middle with a note of what was left out.
std::string excerpt(std::string_view text, std::size_t max_bytes = 200);

}  // namespace parex::regex
