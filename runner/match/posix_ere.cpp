// The translator of FileCheck {{regex}}es to RE2: regcomp.c's POSIX ERE parser, rule by rule.
#include "match/posix_ere.hpp"

#include <array>
#include <bitset>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "match/regex.hpp"

namespace parex::regex {

// LLVM FileCheck's dialect: POSIX extended regular expressions as Henry Spencer's regcomp (llvm::Regex)
// parses them, compiled with REG_NEWLINE. The parser below follows regcomp.c's p_ere, p_ere_exp and
// p_bracket rule by rule, so that what LLVM refuses is refused with LLVM's words, and what it accepts is
// written out for RE2 with the same meaning (bytes, '.' and [^...] never matching a newline).
namespace {

using ByteSet = std::bitset<256>;

struct CharClass {
  std::string_view name;
  std::string_view members;  // as in regcomp.c's cclasses table (C locale)
};

ByteSet range(int low, int high) {
  ByteSet set;
  for (int c = low; c <= high; ++c) set.set(static_cast<std::size_t>(c));
  return set;
}

std::optional<ByteSet> posix_class(std::string_view name) {
  if (name == "alnum") return range('0', '9') | range('A', 'Z') | range('a', 'z');
  if (name == "alpha") return range('A', 'Z') | range('a', 'z');
  if (name == "blank") return range(' ', ' ') | range('\t', '\t');
  if (name == "cntrl") return range(1, 31) | range(127, 127);  // Spencer's table is a C string: no NUL
  if (name == "digit") return range('0', '9');
  if (name == "graph") return range(33, 126);
  if (name == "lower") return range('a', 'z');
  if (name == "print") return range(32, 126);
  if (name == "punct") return range('!', '/') | range(':', '@') | range('[', '`') | range('{', '~');
  if (name == "space") return range('\t', '\r') | range(' ', ' ');
  if (name == "upper") return range('A', 'Z');
  if (name == "xdigit") return range('0', '9') | range('A', 'F') | range('a', 'f');
  return std::nullopt;
}

// regcomp.c's cnames: the names a collating element [.name.] may have.
std::optional<unsigned char> collating_name(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, unsigned char>, 95> names = {{
      {"NUL", 0},
      {"SOH", 1},
      {"STX", 2},
      {"ETX", 3},
      {"EOT", 4},
      {"ENQ", 5},
      {"ACK", 6},
      {"BEL", 7},
      {"alert", 7},
      {"BS", 8},
      {"backspace", 8},
      {"HT", 9},
      {"tab", 9},
      {"LF", 10},
      {"newline", 10},
      {"VT", 11},
      {"vertical-tab", 11},
      {"FF", 12},
      {"form-feed", 12},
      {"CR", 13},
      {"carriage-return", 13},
      {"SO", 14},
      {"SI", 15},
      {"DLE", 16},
      {"DC1", 17},
      {"DC2", 18},
      {"DC3", 19},
      {"DC4", 20},
      {"NAK", 21},
      {"SYN", 22},
      {"ETB", 23},
      {"CAN", 24},
      {"EM", 25},
      {"SUB", 26},
      {"ESC", 27},
      {"IS4", 28},
      {"FS", 28},
      {"IS3", 29},
      {"GS", 29},
      {"IS2", 30},
      {"RS", 30},
      {"IS1", 31},
      {"US", 31},
      {"space", ' '},
      {"exclamation-mark", '!'},
      {"quotation-mark", '"'},
      {"number-sign", '#'},
      {"dollar-sign", '$'},
      {"percent-sign", '%'},
      {"ampersand", '&'},
      {"apostrophe", '\''},
      {"left-parenthesis", '('},
      {"right-parenthesis", ')'},
      {"asterisk", '*'},
      {"plus-sign", '+'},
      {"comma", ','},
      {"hyphen", '-'},
      {"hyphen-minus", '-'},
      {"period", '.'},
      {"full-stop", '.'},
      {"slash", '/'},
      {"solidus", '/'},
      {"zero", '0'},
      {"one", '1'},
      {"two", '2'},
      {"three", '3'},
      {"four", '4'},
      {"five", '5'},
      {"six", '6'},
      {"seven", '7'},
      {"eight", '8'},
      {"nine", '9'},
      {"colon", ':'},
      {"semicolon", ';'},
      {"less-than-sign", '<'},
      {"equals-sign", '='},
      {"greater-than-sign", '>'},
      {"question-mark", '?'},
      {"commercial-at", '@'},
      {"left-square-bracket", '['},
      {"backslash", '\\'},
      {"reverse-solidus", '\\'},
      {"right-square-bracket", ']'},
      {"circumflex", '^'},
      {"circumflex-accent", '^'},
      {"underscore", '_'},
      {"low-line", '_'},
      {"grave-accent", '`'},
      {"left-brace", '{'},
      {"left-curly-bracket", '{'},
      {"vertical-line", '|'},
      {"right-brace", '}'},
      {"right-curly-bracket", '}'},
      {"tilde", '~'},
      {"DEL", 127},
  }};
  for (const auto& [n, c] : names)
    if (n == name) return c;
  return std::nullopt;
}

// What an author who wrote a Perl escape in a FileCheck regex probably meant.
std::string_view perl_escape_advice(char c) {
  switch (c) {
    case 'd':
      return "use [0-9]";
    case 'D':
      return "use [^0-9]";
    case 'w':
      return "use [[:alnum:]_]";
    case 'W':
      return "use [^[:alnum:]_]";
    case 's':
      return "use [[:space:]]";
    case 'S':
      return "use [^[:space:]]";
    case 'b':
    case 'B':
    case '<':
    case '>':
      return "FileCheck has no word boundary; match the characters around it";
    case 'n':
      return "a check pattern is one line: use CHECK-NEXT for the next line";
    case 't':
      return "write a space: FileCheck reads tabs and spaces alike";
    case 'r':
    case 'f':
    case 'v':
    case 'e':
    case 'a':
      return "use [[:space:]] or [[:cntrl:]]";
    case 'x':
    case 'u':
      return "write the character itself";
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
      return "use ^ or $";
  }
  return {};
}

std::string re2_byte(unsigned char c) {
  if (std::isalnum(c)) return std::string(1, static_cast<char>(c));
  return fmt::format("\\x{{{:02x}}}", c);
}

std::string re2_set(const ByteSet& set) {
  if (set.none()) return "[^\\x00-\\x{ff}]";  // matches nothing
  std::string out = "[";
  for (int c = 0; c < 256;) {
    if (!set.test(static_cast<std::size_t>(c))) {
      ++c;
      continue;
    }
    int end = c;
    while (end + 1 < 256 && set.test(static_cast<std::size_t>(end + 1))) ++end;
    out += re2_byte(static_cast<unsigned char>(c));
    if (end > c) out += "-" + re2_byte(static_cast<unsigned char>(end));
    c = end + 1;
  }
  return out + "]";
}

constexpr int kDupMax = 255;  // RE_DUP_MAX of LLVM's regex

class EreTranslator {
 public:
  explicit EreTranslator(std::string_view ere) : s_(ere) {}

  Translation run() {
    ere(kOut);
    if (ok() && more()) fail("parentheses not balanced");  // a ')' with no '(' (regcomp: REG_EPAREN)
    out_.groups = groups_;
    if (!ok()) out_.re2.clear();
    return std::move(out_);
  }

 private:
  static constexpr int kOut = -1;  // "no stop character": the top level

  bool ok() const { return out_.error.empty(); }
  bool more() const { return i_ < s_.size(); }
  char peek() const { return s_[i_]; }
  bool see(char c) const { return more() && peek() == c; }
  bool eat(char c) {
    if (!see(c)) return false;
    ++i_;
    return true;
  }
  bool see_two(char a, char b) const { return i_ + 1 < s_.size() && s_[i_] == a && s_[i_ + 1] == b; }
  void fail(std::string_view message) {
    if (ok()) out_.error = std::string(message), out_.error_offset = std::min(i_, s_.size());
  }

  // p_ere: branches separated by '|', each non-empty, up to `stop`.
  void ere(int stop) {
    for (;;) {
      std::size_t start = out_.re2.size();
      word_before_ = false;
      while (ok() && more() && peek() != '|' && static_cast<int>(static_cast<unsigned char>(peek())) != stop)
        expression();
      if (!ok()) return;
      if (out_.re2.size() == start) return fail("empty (sub)expression");
      if (!eat('|')) return;
      out_.re2 += '|';
    }
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  bool repetition_follows() const {
    return more() && (peek() == '*' || peek() == '+' || peek() == '?' ||
                      (peek() == '{' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])));
  }

  // p_ere_exp: one atom and at most one repetition of it.
  void expression() {
    const std::size_t atom_at = out_.re2.size();
    const std::size_t source_at = i_;
    const char c = s_[i_++];
    bool was_caret = false;
    // Whether this atom always ends with a word character (for a [[:>:]] after it).
    bool word_atom = is_word(c) || (c == '\\' && more() && is_word(peek()) && !(peek() >= '1' && peek() <= '9'));
    switch (c) {
      case '(':
        if (!more()) return fail("parentheses not balanced");
        ++groups_;
        out_.re2 += '(';
        if (!see(')')) ere(')');
        if (!ok()) return;
        if (!eat(')')) return fail("parentheses not balanced");
        out_.re2 += ')';
        break;
      case ')':
        return fail("parentheses not balanced");
      case '^':
        out_.re2 += "(?:^)";
        was_caret = true;
        break;
      case '$':
        out_.re2 += "(?:$)";
        break;
      case '|':
        return fail("empty (sub)expression");
      case '*':
      case '+':
      case '?':
        return fail("repetition-operator operand invalid");
      case '.':
        out_.re2 += "[^\\n]";
        break;
      case '[':
        bracket();
        break;
      case '\\': {
        if (!more()) return fail("trailing backslash (\\)");
        const char e = s_[i_++];
        if (e >= '1' && e <= '9') {
          i_ = source_at;
          return fail(
              fmt::format("backreference \\{}: parex matches with RE2, which has none; use a [[VAR:...]] "
                          "variable and [[VAR]] on a later line",
                          e));
        }
        if (auto advice = perl_escape_advice(e); !advice.empty())
          out_.warnings.push_back({source_at, fmt::format("LLVM FileCheck reads \\{} as '{}'; {}", e, e, advice)});
        out_.re2 += re2_byte(static_cast<unsigned char>(e));
        break;
      }
      case '{':
        if (more() && is_digit(peek())) return fail("repetition-operator operand invalid");
        out_.re2 += re2_byte('{');
        break;
      default:
        out_.re2 += re2_byte(static_cast<unsigned char>(c));
        break;
    }
    word_before_ = word_atom;
    if (!ok() || !repetition_follows()) return;
    if (was_caret) return fail("repetition-operator operand invalid");
    const char op = s_[i_++];
    if (op == '*' || op == '?' || (op == '{' && more() && peek() == '0')) word_before_ = false;
    if (op != '{') {
      out_.re2 += op;
    } else {
      int low = count();
      int high = low;
      if (!ok()) return;
      if (eat(',')) {
        if (more() && is_digit(peek())) {
          high = count();
          if (!ok()) return;
          if (low > high) return fail("invalid repetition count(s)");
        } else {
          high = -1;
        }
      }
      if (!eat('}')) {
        while (more() && peek() != '}') ++i_;
        return fail(more() ? "invalid repetition count(s)" : "braces not balanced");
      }
      // An empty-width atom repeated: RE2 takes (?:^){2} but not every form; its meaning is the atom's.
      if (high == -1)
        out_.re2 += fmt::format("{{{},}}", low);
      else if (low == high)
        out_.re2 += fmt::format("{{{}}}", low);
      else
        out_.re2 += fmt::format("{{{},{}}}", low, high);
    }
    (void)atom_at;
    if (repetition_follows()) return fail("repetition-operator operand invalid");
  }

  // p_count: a decimal repeat count, at most RE_DUP_MAX.
  int count() {
    int value = 0, digits = 0;
    while (more() && is_digit(peek()) && value <= kDupMax) value = value * 10 + (s_[i_++] - '0'), ++digits;
    if (digits == 0 || value > kDupMax) fail("invalid repetition count(s)");
    return value;
  }

  // p_b_symbol / p_b_coll_elem: one character of a bracket, or a collating element [.x.].
  std::optional<unsigned char> bracket_symbol() {
    if (!see_two('[', '.')) return static_cast<unsigned char>(s_[i_++]);
    i_ += 2;
    return collating_element('.');
  }
  std::optional<unsigned char> collating_element(char end) {
    const std::size_t start = i_;
    while (more() && !see_two(end, ']')) ++i_;
    if (!more()) return fail("brackets ([ ]) not balanced"), std::nullopt;
    std::string_view name = s_.substr(start, i_ - start);
    i_ += 2;
    if (name.size() == 1) return static_cast<unsigned char>(name[0]);
    if (auto c = collating_name(name)) return c;
    fail("invalid collating element");
    return std::nullopt;
  }

  // p_bracket: a bracket expression, written out as the set of bytes it matches.
  void bracket() {
    // Spencer's word anchors. RE2 has only \b, which is either; it means [[:<:]] where a word character
    // must follow, and [[:>:]] where one must precede. Elsewhere LLVM's meaning cannot be written for RE2.
    if (s_.substr(i_).starts_with("[:<:]]")) {
      i_ += 6;
      const bool word_follows = more() && is_word(peek()) && peek() != '\\' &&
                                !(i_ + 1 < s_.size() && (s_[i_ + 1] == '*' || s_[i_ + 1] == '?' || s_[i_ + 1] == '{'));
      if (!word_follows)
        return fail(
            "[[:<:]] is supported only right before a word character (a letter, digit or '_'): RE2 has no "
            "lookahead");
      out_.re2 += "\\b";
      return;
    }
    if (s_.substr(i_).starts_with("[:>:]]")) {
      i_ += 6;
      if (!word_before_)
        return fail(
            "[[:>:]] is supported only right after a word character (a letter, digit or '_', not repeated "
            "zero times): RE2 has no lookbehind");
      out_.re2 += "\\b";
      return;
    }
    ByteSet set;
    const bool invert = eat('^');
    if (eat(']'))
      set.set(']');
    else if (eat('-'))
      set.set('-');
    while (ok() && more() && peek() != ']' && !see_two('-', ']')) bracket_term(set);
    if (!ok()) return;
    if (eat('-')) set.set('-');
    if (!eat(']')) return fail("brackets ([ ]) not balanced");
    if (invert) {
      set.flip();
      set.reset('\n');  // REG_NEWLINE: a negated list never matches a newline
    }
    out_.re2 += re2_set(set);
  }

  // p_b_term: a class [:name:], an equivalence class [=x=], a character or a range.
  void bracket_term(ByteSet& set) {
    if (see('-')) return fail("invalid character range");
    if (see_two('[', ':')) {
      i_ += 2;
      if (!more()) return fail("brackets ([ ]) not balanced");
      if (peek() == '-' || peek() == ']') return fail("invalid character class");
      const std::size_t start = i_;
      while (more() && std::isalpha(static_cast<unsigned char>(peek()))) ++i_;
      auto members = posix_class(s_.substr(start, i_ - start));
      if (!members) return fail("invalid character class");
      if (!more()) return fail("brackets ([ ]) not balanced");
      if (!see_two(':', ']')) return fail("invalid character class");
      i_ += 2;
      set |= *members;
      return;
    }
    if (see_two('[', '=')) {
      i_ += 2;
      if (!more()) return fail("brackets ([ ]) not balanced");
      if (peek() == '-' || peek() == ']') return fail("invalid collating element");
      auto c = collating_element('=');
      if (c) set.set(*c);
      return;
    }
    auto start = bracket_symbol();
    if (!start) return;
    unsigned char finish = *start;
    if (see('-') && i_ + 1 < s_.size() && s_[i_ + 1] != ']') {
      ++i_;
      if (eat('-')) {
        finish = '-';
      } else {
        auto end = bracket_symbol();
        if (!end) return;
        finish = *end;
      }
    }
    // regcomp.c compares plain chars, signed on x86: a range ending past 0x7f starts "after" it.
    if (static_cast<signed char>(*start) > static_cast<signed char>(finish)) return fail("invalid character range");
    for (int c = static_cast<signed char>(*start); c <= static_cast<signed char>(finish); ++c)
      set.set(static_cast<unsigned char>(c));
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int groups_ = 0;
  bool word_before_ = false;  // the last atom always ends with a word character
  Translation out_;
};

}  // namespace

Translation translate_filecheck(std::string_view posix_ere) {
  Translation translation = EreTranslator(posix_ere).run();
  if (translation.error.empty()) {
    // What LLVM accepts but RE2 cannot hold (nested counted repeats past RE2's 1000) is refused here.
    Pattern compiled(translation.re2, {.longest_match = true, .multi_line = true});
    if (!compiled.ok()) {
      translation.error = fmt::format("RE2 cannot take this regex: {}", compiled.error());
      translation.re2.clear();
    }
  }
  return translation;
}

}  // namespace parex::regex
