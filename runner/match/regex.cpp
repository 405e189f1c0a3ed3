// RE2 behind regex::Pattern: bytes (Latin-1), bounded memory, and refusals that say what to write instead.
#include "match/regex.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <re2/re2.h>

namespace parex::regex {
namespace {

re2::RE2::Options re2_options(const Options& options) {
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingLatin1);  // bytes: any output is text to match, valid UTF-8 or not
  o.set_longest_match(options.longest_match);
  o.set_max_mem(kMaxMemBytes + std::max<std::int64_t>(0, options.extra_mem_bytes));
  o.set_log_errors(false);  // errors are data: ours to report, not RE2's to print
  return o;
}

// What to write instead of the Perl constructs RE2 leaves out.
std::string suggestion_for(std::string_view pattern, const std::string& re2_error) {
  auto has = [&](std::string_view what) { return pattern.find(what) != std::string_view::npos; };
  if (has("(?=") || has("(?!")) return "RE2 has no lookahead: match the text itself, or add an 'ignore' pattern";
  if (has("(?<=") || has("(?<!")) return "RE2 has no lookbehind: match the text before it too";
  for (char digit = '1'; digit <= '9'; ++digit)
    if (has(std::string{'\\', digit})) return "RE2 has no backreferences: spell the repeated text out";
  if (has("*+") || has("++") || has("?+")) return "RE2 has no possessive quantifiers: drop the '+'";
  if (has("(?>")) return "RE2 has no atomic groups: use (?:...)";
  if (re2_error.find("pattern too large") != std::string::npos)
    return fmt::format("it needs more than {} MiB compiled: use fewer or smaller counted repeats", kMaxMemBytes >> 20);
  return {};
}

}  // namespace

Pattern::Pattern(std::string_view pattern, const Options& options) : source_(pattern) {
  std::string text = options.multi_line ? "(?m)" + std::string(pattern) : std::string(pattern);
  re_ = std::make_unique<re2::RE2>(text, re2_options(options));
  if (!re_->ok()) {
    error_ = re_->error();
    if (auto hint = suggestion_for(pattern, error_); !hint.empty()) error_ += "; " + hint;
  }
}

Pattern::~Pattern() = default;
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;

int Pattern::groups() const { return ok() ? re_->NumberOfCapturingGroups() : 0; }

bool Pattern::search(std::string_view text) const {
  return ok() &&
         re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0);
}

bool Pattern::full_match(std::string_view text) const {
  return ok() &&
         re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_BOTH, nullptr, 0);
}

std::optional<Pattern::Found> Pattern::find(std::string_view text, std::size_t from, std::size_t to,
                                            bool with_groups) const {
  if (!ok() || from > to || to > text.size()) return std::nullopt;
  const int n = 1 + (with_groups ? groups() : 0);
  std::vector<re2::StringPiece> spans(static_cast<std::size_t>(n));
  const re2::StringPiece whole(text.data(), text.size());
  if (!re_->Match(whole, from, to, re2::RE2::UNANCHORED, spans.data(), n)) return std::nullopt;
  auto span = [&](const re2::StringPiece& piece) {
    return Span{static_cast<std::size_t>(piece.data() - text.data()), piece.size()};
  };
  Found found;
  found.whole = span(spans[0]);
  for (int i = 1; i < n; ++i) {
    const auto& piece = spans[static_cast<std::size_t>(i)];
    found.groups.push_back(piece.data() ? std::optional<Span>(span(piece)) : std::nullopt);
  }
  return found;
}

std::optional<std::string> validate(std::string_view pattern) {
  Pattern compiled(pattern);
  if (compiled.ok()) return std::nullopt;
  return compiled.error();
}

std::string quote(std::string_view text) { return re2::RE2::QuoteMeta(re2::StringPiece(text.data(), text.size())); }

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  const std::size_t head = max_bytes * 2 / 3, tail = max_bytes - head;
  return fmt::format("{}[... {} bytes ...]{}", text.substr(0, head), text.size() - head - tail,
                     text.substr(text.size() - tail));
}

}  // namespace parex::regex
