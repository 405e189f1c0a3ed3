// The parse stage of filecheck: check text to directives, as LLVM FileCheck reads them, with its errors.
#include "match/filecheck_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "match/posix_ere.hpp"

namespace parex::filecheck {
namespace {

std::string_view kind_suffix(Kind kind) {
  switch (kind) {
    case Kind::plain:
      return "";
    case Kind::next:
      return "-NEXT";
    case Kind::same:
      return "-SAME";
    case Kind::not_:
      return "-NOT";
    case Kind::dag:
      return "-DAG";
    case Kind::label:
      return "-LABEL";
    case Kind::empty:
      return "-EMPTY";
    case Kind::count:
      return "-COUNT";
  }
  return "";
}

struct ParseError {
  int line, column;
  std::string message, line_text;
};

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

// Where the "]]" that ends a [[...]] starting at `from` is, as LLVM's FindRegexVarEnd finds it: the first
// at bracket depth 0, a backslash skipping the character after it. npos when there is none; nullopt for a
// ']' that closes nothing.
std::optional<std::size_t> variable_end(std::string_view text, std::size_t from) {
  int depth = 0;
  for (std::size_t i = from; i < text.size();) {
    if (depth == 0 && text.substr(i, 2) == "]]") return i;
    if (text[i] == '\\') {
      i += 2;
      continue;
    }
    if (text[i] == '[')
      ++depth;
    else if (text[i] == ']' && depth-- == 0)
      return std::nullopt;
    ++i;
  }
  return std::string_view::npos;
}

// Splits a pattern into literal text, {{regex}}, [[VAR:regex]] and [[VAR]], translating each regex into
// RE2 syntax; nullopt with an error message and its offset in `text`. Warnings get offsets in `text` too.
std::optional<std::vector<Piece>> parse_pattern(std::string_view text, std::string& error, std::size_t& error_at,
                                                std::vector<std::pair<std::size_t, std::string>>& warnings) {
  std::vector<Piece> pieces;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) pieces.push_back({Piece::literal, std::move(literal), {}, {}, 0});
    literal.clear();
  };
  // LLVM validates each regex on its own (llvm::Regex::isValid), with its own error text.
  auto translate = [&](Piece& piece, std::string_view regex, std::size_t at) {
    auto translation = regex::translate_filecheck(regex);
    for (const auto& remark : translation.warnings) warnings.emplace_back(at + remark.offset, remark.message);
    if (!translation.error.empty()) {
      error = "invalid regex: " + translation.error;
      error_at = at + translation.error_offset;
      return false;
    }
    piece.re2 = std::move(translation.re2);
    piece.groups = translation.groups;
    return true;
  };
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, 2) == "{{") {
      auto end = text.find("}}", i + 2);
      if (end == std::string_view::npos) {
        error = "found start of regex string with no end '}}'";
        error_at = i;
        return std::nullopt;
      }
      flush();
      Piece piece{Piece::regex, std::string(text.substr(i + 2, end - i - 2)), {}, {}, 0};
      if (!translate(piece, piece.text, i + 2)) return std::nullopt;
      pieces.push_back(std::move(piece));
      i = end + 2;
    } else if (text.substr(i, 2) == "[[") {
      auto closing = variable_end(text, i + 2);
      if (!closing) {
        error = "missing closing \"]\" for regex variable";
        error_at = i;
        return std::nullopt;
      }
      const std::size_t end = *closing;
      if (end == std::string_view::npos) {
        error = "Invalid substitution block, no ]] found";
        error_at = i;
        return std::nullopt;
      }
      std::string_view inside = text.substr(i + 2, end - i - 2);
      auto colon = inside.find(':');
      std::string_view name = inside.substr(0, colon);
      if (!name.empty() && name[0] == '$') name.remove_prefix(1);
      bool valid = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                   std::all_of(name.begin(), name.end(),
                               [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      error_at = i;
      if (!inside.empty() && inside[0] == '#') {
        error = "numeric substitution blocks [[#...]] are not supported";
        return std::nullopt;
      }
      if (!valid) {
        error = fmt::format("invalid variable name '{}'", inside.substr(0, colon));
        return std::nullopt;
      }
      flush();
      if (colon == std::string_view::npos) {
        pieces.push_back({Piece::use, std::string(name), {}, {}, 0});
      } else {
        Piece piece{Piece::define, std::string(name), std::string(inside.substr(colon + 1)), {}, 0};
        // LLVM validates no empty regex: [[X:]] is the group () and captures "".
        if (!piece.define_regex.empty() && !translate(piece, piece.define_regex, i + 2 + colon + 1))
          return std::nullopt;
        pieces.push_back(std::move(piece));
      }
      i = end + 2;
    } else {
      literal += text[i++];
    }
  }
  flush();
  return pieces;
}

std::vector<Directive> parse_checks(std::string_view check_text, const std::string& prefix,
                                    std::optional<ParseError>& error, std::vector<Warning>& warnings) {
  std::vector<Directive> directives;
  std::size_t line_start = 0;
  for (int line_no = 1; line_start <= check_text.size() && !error; ++line_no) {
    std::size_t line_end = check_text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = check_text.size();
    std::string_view line = check_text.substr(line_start, line_end - line_start);
    for (std::size_t at = line.find(prefix); at != std::string_view::npos; at = line.find(prefix, at + 1)) {
      if (at > 0 && is_word_char(line[at - 1])) continue;  // part of a longer word
      std::string_view rest = line.substr(at + prefix.size());
      Directive directive;
      std::size_t suffix_len = 0;
      if (rest.starts_with(":")) {
        directive.kind = Kind::plain, suffix_len = 1;
      } else {
        static const std::pair<std::string_view, Kind> kinds[] = {{"-NEXT:", Kind::next},   {"-SAME:", Kind::same},
                                                                  {"-NOT:", Kind::not_},    {"-DAG:", Kind::dag},
                                                                  {"-LABEL:", Kind::label}, {"-EMPTY:", Kind::empty}};
        for (const auto& [suffix, kind] : kinds)
          if (rest.starts_with(suffix)) directive.kind = kind, suffix_len = suffix.size();
        if (suffix_len == 0 && rest.starts_with("-COUNT-")) {
          std::size_t digits = 7;
          while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
          if (digits > 7 && digits < rest.size() && rest[digits] == ':') {
            directive.kind = Kind::count;
            directive.count = std::atoi(std::string(rest.substr(7, digits - 7)).c_str());
            suffix_len = digits + 1;
            if (directive.count == 0) {
              error = ParseError{line_no, static_cast<int>(at + 1),
                                 "invalid count in -COUNT specification on prefix '" + prefix + "'", std::string(line)};
              break;
            }
          }
        }
        if (suffix_len == 0) continue;  // not a directive of ours
      }
      directive.name = prefix + std::string(kind_suffix(directive.kind));
      if (directive.kind == Kind::count) directive.name += fmt::format("-{}", directive.count);
      std::size_t pattern_at = at + prefix.size() + suffix_len;
      while (pattern_at < line.size() && line[pattern_at] == ' ') ++pattern_at;
      std::string_view pattern = line.substr(pattern_at);
      while (!pattern.empty() && (pattern.back() == ' ' || pattern.back() == '\r')) pattern.remove_suffix(1);
      directive.line = line_no;
      directive.column = static_cast<int>(pattern_at + 1);
      directive.text = std::string(pattern);
      directive.line_text = std::string(line);
      auto fail = [&](std::string message) {
        error = ParseError{line_no, directive.column, std::move(message), std::string(line)};
      };
      if (directive.kind == Kind::empty) {
        if (!pattern.empty())
          fail(fmt::format("found non-empty check string for empty check with prefix '{}:'", prefix));
      } else if (pattern.empty()) {
        fail(fmt::format("found empty check string with prefix '{}:'", directive.name));
      } else {
        std::string message;
        std::size_t error_at = 0;
        std::vector<std::pair<std::size_t, std::string>> remarks;
        auto pieces = parse_pattern(pattern, message, error_at, remarks);
        for (auto& [offset, remark] : remarks)
          warnings.push_back({line_no, static_cast<int>(pattern_at + offset + 1), std::move(remark)});
        if (!pieces) {
          fail(message);
          error->column = static_cast<int>(pattern_at + error_at + 1);
        } else {
          directive.pieces = std::move(*pieces);
        }
      }
      // DAG and NOT directives do not count as a previous line for these (FileCheck keeps them apart).
      bool has_positive = std::any_of(directives.begin(), directives.end(), [](const Directive& earlier) {
        return earlier.kind != Kind::dag && earlier.kind != Kind::not_;
      });
      if (!error && (directive.kind == Kind::next || directive.kind == Kind::same || directive.kind == Kind::empty) &&
          !has_positive)
        fail(fmt::format("found '{}' without previous '{}: line", directive.name, prefix));
      if (!error && directive.kind == Kind::label)
        for (const auto& piece : directive.pieces)
          if (!error && (piece.type == Piece::define || piece.type == Piece::use))
            fail(fmt::format("found '{}:' with variable definition or use", directive.name));
      if (!error) directives.push_back(std::move(directive));
      break;  // one directive a line
    }
    line_start = line_end + 1;
  }
  return directives;
}

}  // namespace

std::string canonicalise(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' || text[i] == '\t') {
      out += ' ';
      while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) ++i;
    } else if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // a DOS line ending counts as "\n"
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::vector<Directive>> parse(std::string_view check_text, const Options& options, Outcome& outcome) {
  const std::string checks = canonicalise(check_text);
  std::optional<ParseError> error;
  std::vector<Warning> warnings;
  auto directives = parse_checks(checks, options.prefix, error, warnings);
  for (auto& warning : warnings) {
    warning.line += options.line_offset;
    outcome.warnings.push_back({warning.line, warning.column, warning.message});
  }
  if (error) {
    outcome.status = Status::invalid_checks;
    outcome.check_line = error->line + options.line_offset;
    outcome.summary = fmt::format("invalid check text: {} (line {})", error->message, outcome.check_line);
    outcome.diagnostic = fmt::format("{}:{}:{}: error: {}\n{}\n{}^\n", options.check_name,
                                     error->line + options.line_offset, error->column, error->message, error->line_text,
                                     std::string(static_cast<std::size_t>(error->column - 1), ' '));
    return std::nullopt;
  }
  if (directives.empty()) {
    outcome.status = Status::invalid_checks;
    outcome.summary = fmt::format("no check strings found with prefix '{}:'", options.prefix);
    outcome.diagnostic = fmt::format("error: no check strings found with prefix '{}:'\n", options.prefix);
    return std::nullopt;
  }
  return directives;
}

}  // namespace parex::filecheck
