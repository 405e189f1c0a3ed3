// The match and diagnose stages of filecheck: directives found in the input in order (DAG, NOT, labels, variables),
// and a failure told as FileCheck tells it; run() and validate() over the parse stage.
#include "match/filecheck.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "match/filecheck_parse.hpp"
#include "match/regex.hpp"

namespace parex::filecheck {
namespace {

struct Match {
  std::size_t pos = 0, len = 0;
};

class Matcher {
 public:
  Matcher(std::string input, const Options& options) : input_(std::move(input)), options_(options) {
    for (std::size_t i = 0; i < input_.size(); ++i)
      if (input_[i] == '\n') newlines_.push_back(i);
  }

  // First match of `d` in [from, to); defines its variables on success. Undefined uses set `undefined`.
  // As in LLVM, the text searched is input[from, to) on its own: ^ matches at `from`, $ at `to`.
  std::optional<Match> find(const Directive& d, std::size_t from, std::size_t to, std::string* undefined = nullptr) {
    if (d.kind == Kind::empty) {
      for (std::size_t q = from; q < to; ++q)
        if (input_[q] == '\n' && (q + 1 == input_.size() || input_[q + 1] == '\n')) return Match{q + 1, 0};
      return std::nullopt;
    }
    bool literal_only =
        std::all_of(d.pieces.begin(), d.pieces.end(), [](const Piece& p) { return p.type == Piece::literal; });
    if (literal_only) {
      std::string needle;
      for (const auto& p : d.pieces) needle += p.text;
      std::size_t at = input_.find(needle, from);
      if (at == std::string::npos || at + needle.size() > to) return std::nullopt;
      return Match{at, needle.size()};
    }
    auto built = build(d, {}, undefined);
    if (!built) return std::nullopt;
    const std::string_view text = std::string_view(input_).substr(from, to - from);
    const regex::Pattern& pattern = compiled(*built);
    auto found = pattern.find(text);
    if (!found) return std::nullopt;
    if (!repeats_hold(*built, *found, text)) {
      found = find_with_repeats(d, *built, text, *found);
      if (!found) return std::nullopt;
    }
    for (const auto& [name, group] : built->defines) variables_[name] = span_text(text, found->groups[group - 1]);
    return Match{from + found->whole.pos, found->whole.len};
  }

  int line_of(std::size_t pos) const {
    // The newlines strictly before pos: a position on a line's own "\n" belongs to that line.
    return static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin()) + 1;
  }
  int column_of(std::size_t pos) const {
    std::size_t newline = pos == 0 ? std::string::npos : input_.rfind('\n', pos - 1);
    std::size_t start = newline == std::string::npos ? 0 : newline + 1;
    return static_cast<int>(pos - start) + 1;
  }
  std::string_view line_text(int line) const {
    std::size_t start = line <= 1 ? 0 : newlines_[static_cast<std::size_t>(line) - 2] + 1;
    std::size_t end = static_cast<std::size_t>(line) - 1 < newlines_.size()
                          ? newlines_[static_cast<std::size_t>(line) - 1]
                          : input_.size();
    if (start > input_.size()) return {};
    return std::string_view(input_).substr(start, end - start);
  }
  int line_count() const {
    return static_cast<int>(newlines_.size()) + (input_.empty() || input_.back() == '\n' ? 0 : 1);
  }
  std::size_t count_newlines(std::size_t from, std::size_t to) const {
    return static_cast<std::size_t>(std::count(input_.begin() + static_cast<std::ptrdiff_t>(from),
                                               input_.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
  }
  const std::string& input() const { return input_; }
  // Why the last search gave up before deciding (a variable used on its own line, too many values to try).
  const std::string& gave_up() const { return gave_up_; }

 private:
  // A directive as one RE2 pattern. A variable used on the line that defines it (LLVM: a backreference)
  // is matched as a second copy of the definition's regex; `repeats` pairs the two groups, whose texts
  // must then be equal. Variables given values in `fixed` (by build's caller) are matched literally.
  struct Built {
    std::string pattern;
    std::int64_t literal_bytes = 0;                    // text of earlier variables, substituted
    std::vector<std::pair<std::string, int>> defines;  // variable, group (1-based)
    std::vector<std::pair<int, int>> repeats;          // definition's group, its use's group
    std::vector<std::string> repeated;                 // the variables of `repeats`, in order
  };

  std::optional<Built> build(const Directive& d, const std::map<std::string, std::string>& fixed,
                             std::string* undefined) {
    Built built;
    int group = 0;
    std::map<std::string, std::pair<int, const Piece*>> defined_here;
    for (const auto& piece : d.pieces) {
      switch (piece.type) {
        case Piece::literal:
          built.pattern += regex::quote(piece.text);
          break;
        case Piece::regex:
          built.pattern += "(?:" + piece.re2 + ")";
          group += piece.groups;
          break;
        case Piece::define:
          ++group;
          built.defines.emplace_back(piece.text, group);
          defined_here[piece.text] = {group, &piece};
          if (auto value = fixed.find(piece.text); value != fixed.end()) {
            built.pattern += "(" + regex::quote(value->second) + ")";
            built.literal_bytes += static_cast<std::int64_t>(value->second.size());
          } else {
            built.pattern += "(" + piece.re2 + ")";
            group += piece.groups;
          }
          break;
        case Piece::use:
          if (auto here = defined_here.find(piece.text); here != defined_here.end()) {
            if (auto value = fixed.find(piece.text); value != fixed.end()) {
              built.pattern += regex::quote(value->second);
              built.literal_bytes += static_cast<std::int64_t>(value->second.size());
              break;
            }
            built.pattern += "(" + here->second.second->re2 + ")";
            built.repeats.emplace_back(here->second.first, ++group);
            group += here->second.second->groups;
            if (std::find(built.repeated.begin(), built.repeated.end(), piece.text) == built.repeated.end())
              built.repeated.push_back(piece.text);
          } else if (auto var = variables_.find(piece.text); var != variables_.end()) {
            built.pattern += regex::quote(var->second);
            built.literal_bytes += static_cast<std::int64_t>(var->second.size());
          } else {
            if (undefined) *undefined = piece.text;
            return std::nullopt;
          }
          break;
      }
    }
    return built;
  }

  // Compiled patterns are kept: a directive is searched again and again (DAG, COUNT, NOT, labels).
  const regex::Pattern& compiled(const Built& built) {
    auto it = cache_.find(built.pattern);
    if (it == cache_.end()) {
      if (cache_.size() > 256) cache_.clear();
      // Text substituted from the output is the program's, not the author's: it gets room of its own.
      regex::Options options{.longest_match = true, .multi_line = true, .extra_mem_bytes = 64 * built.literal_bytes};
      it = cache_.emplace(built.pattern, regex::Pattern(built.pattern, options)).first;
    }
    return it->second;
  }

  static std::string span_text(std::string_view text, const std::optional<regex::Span>& span) {
    return span ? std::string(text.substr(span->pos, span->len)) : std::string();
  }

  static bool repeats_hold(const Built& built, const regex::Pattern::Found& found, std::string_view text) {
    return std::all_of(built.repeats.begin(), built.repeats.end(), [&](const std::pair<int, int>& r) {
      return span_text(text, found.groups[r.first - 1]) == span_text(text, found.groups[r.second - 1]);
    });
  }

  // LLVM matches a variable used on its own line with a backreference, as Spencer's engine does: its DFA
  // takes the use for a copy of the definition, finds the leftmost-longest candidate, and then looks for a
  // parse whose copies agree, at ends from the longest down and at later starts. RE2 has no
  // backreferences, so here each value the line offers for the variable (each text its regex matches
  // whole) is tried as literal text, and the leftmost, then longest, match wins. The work is bounded: past
  // it the search stops and says so.
  std::optional<regex::Pattern::Found> find_with_repeats(const Directive& d, const Built& relaxed,
                                                         std::string_view text, regex::Pattern::Found candidate) {
    constexpr std::size_t kMaxWork = 4'000'000;  // bytes matched while trying, ~10 ms
    std::size_t work = 0;
    std::map<std::string, const Piece*> definitions;
    for (const auto& piece : d.pieces)
      if (piece.type == Piece::define) definitions.emplace(piece.text, &piece);
    const regex::Pattern& relaxed_pattern = compiled(relaxed);
    for (;;) {
      const std::size_t start = candidate.whole.pos;
      std::size_t line_start = text.rfind('\n', start == 0 ? 0 : start - 1);
      line_start = (start == 0 || line_start == std::string_view::npos) ? 0 : line_start + 1;
      std::size_t line_end = text.find('\n', start);
      if (line_end == std::string_view::npos) line_end = text.size();
      const std::string_view line = text.substr(line_start, line_end - line_start);

      // The values each repeated variable can take on this line.
      std::vector<std::vector<std::string>> values;
      for (const auto& name : relaxed.repeated) {
        const regex::Pattern whole("(?:" + definitions.at(name)->re2 + ")",
                                   {.longest_match = true, .multi_line = true});
        std::set<std::string> seen;
        for (std::size_t i = 0; i <= line.size(); ++i)
          for (std::size_t j = i; j <= line.size(); ++j) {
            if ((work += j - i + 1) > kMaxWork) return give_up(d);
            if (whole.full_match(line.substr(i, j - i))) seen.insert(std::string(line.substr(i, j - i)));
          }
        values.emplace_back(seen.begin(), seen.end());
      }
      // Every combination of values, each as a fixed pattern searched from this line's start.
      std::optional<regex::Pattern::Found> best;
      std::map<std::string, std::string> best_values;
      std::vector<std::size_t> choice(values.size(), 0);
      bool any = std::all_of(values.begin(), values.end(), [](const auto& v) { return !v.empty(); });
      while (any) {
        if ((work += text.size() - line_start + 1000) > kMaxWork) return give_up(d);
        std::map<std::string, std::string> fixed;
        for (std::size_t v = 0; v < values.size(); ++v) fixed[relaxed.repeated[v]] = values[v][choice[v]];
        auto built = build(d, fixed, nullptr);
        if (built) {
          auto found = compiled(*built).find(text, line_start, text.size());
          if (found && found->whole.pos <= line_end &&
              (!best || found->whole.pos < best->whole.pos ||
               (found->whole.pos == best->whole.pos && found->whole.len > best->whole.len))) {
            best = std::move(found);
            best_values = std::move(fixed);
          }
        }
        std::size_t v = 0;
        while (v < choice.size() && ++choice[v] == values[v].size()) choice[v++] = 0;
        if (v == choice.size()) break;
      }
      if (best) {
        // The groups the caller reads are the relaxed pattern's; the fixed pattern defines the rest.
        auto fixed_built = build(d, best_values, nullptr);
        regex::Pattern::Found out;
        out.whole = best->whole;
        out.groups.assign(static_cast<std::size_t>(relaxed_pattern.groups()), std::nullopt);
        for (const auto& [name, group] : fixed_built->defines)
          for (const auto& [relaxed_name, relaxed_group] : relaxed.defines)
            if (name == relaxed_name)
              out.groups[static_cast<std::size_t>(relaxed_group - 1)] =
                  best->groups[static_cast<std::size_t>(group - 1)];
        return out;
      }
      if (line_end >= text.size()) return std::nullopt;
      auto next = relaxed_pattern.find(text, line_end + 1, text.size());
      if (!next) return std::nullopt;
      candidate = std::move(*next);
    }
  }

  std::optional<regex::Pattern::Found> give_up(const Directive& d) {
    gave_up_ = fmt::format(
        "{} uses a variable on the line that defines it, and the input offers too many values to "
        "try: give the variable a narrower regex",
        d.name);
    return std::nullopt;
  }

  std::string input_;
  const Options& options_;
  std::vector<std::size_t> newlines_;
  std::map<std::string, std::string> variables_;
  std::map<std::string, regex::Pattern> cache_;
  std::string gave_up_;
};

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

constexpr std::size_t kShownLine = 160;  // bytes of an input line a diagnostic shows

class Checker {
 public:
  Checker(std::vector<Directive> directives, Matcher& matcher, const Options& options)
      : directives_(std::move(directives)), m_(matcher), options_(options) {}

  Outcome check() {
    // Each positive directive carries the DAG/NOT directives that precede it; trailing ones form a final group.
    std::vector<const Directive*> pending;
    std::vector<std::pair<const Directive*, std::vector<const Directive*>>> steps;
    for (const auto& d : directives_) {
      if (d.kind == Kind::dag || d.kind == Kind::not_) {
        pending.push_back(&d);
        continue;
      }
      steps.emplace_back(&d, std::move(pending));
      pending.clear();
    }
    if (!pending.empty()) steps.emplace_back(nullptr, std::move(pending));

    // Labels cut the input into blocks; each block is checked on its own.
    std::size_t begin = 0, step = 0;
    bool failed = false;
    while (step < steps.size()) {
      std::size_t label_step = step;
      while (label_step < steps.size() && !(steps[label_step].first && steps[label_step].first->kind == Kind::label))
        ++label_step;
      std::size_t region_end = m_.input().size();
      if (label_step < steps.size()) {
        auto label = m_.find(*steps[label_step].first, begin, m_.input().size());
        if (!label) {
          not_found(*steps[label_step].first, begin, m_.input().size());
          return finish();
        }
        region_end = label->pos + label->len;
      }
      std::size_t pos = begin;
      std::size_t last = std::min(label_step, steps.size() - 1);
      for (std::size_t i = step; i <= last; ++i) {
        auto end = check_step(steps[i].first, steps[i].second, pos, region_end);
        if (!end) {
          failed = true;
          break;
        }
        pos = *end;
      }
      begin = region_end;
      step = last + 1;
    }
    (void)failed;
    return finish();
  }

 private:
  // Matches one positive directive after its DAG/NOT group; returns where the next search starts.
  std::optional<std::size_t> check_step(const Directive* d, const std::vector<const Directive*>& group,
                                        std::size_t from, std::size_t to) {
    auto after_dags = check_dags(group, from, to, d ? std::nullopt : std::optional<std::size_t>(to));
    if (!after_dags) return std::nullopt;
    std::size_t start = after_dags->first;
    const std::vector<const Directive*>& nots = after_dags->second;
    if (!d) return check_nots(nots, start, to) ? std::optional<std::size_t>(to) : std::nullopt;

    std::size_t search = start;
    Match match{};
    for (int i = 0; i < d->count; ++i) {
      std::string undefined;
      auto found = m_.find(*d, search, to, &undefined);
      if (!found) {
        not_found(*d, search, to, undefined);
        return std::nullopt;
      }
      if (i == 0)
        match = *found;
      else
        match.len = found->pos + found->len - match.pos;
      search = found->pos + found->len;
      if (found->len == 0 && d->kind != Kind::empty) ++search;
    }
    // Where this match starts relative to the previous one (NEXT, SAME, EMPTY), and what it skipped (NOT).
    std::size_t newlines = m_.count_newlines(start, match.pos);
    if ((d->kind == Kind::next || d->kind == Kind::empty) && newlines != 1) {
      placement_error(
          *d, start, match,
          newlines == 0 ? "is on the same line as previous match" : "is not on the line after the previous match");
      return std::nullopt;
    }
    if (d->kind == Kind::same && newlines != 0) {
      placement_error(*d, start, match, "is not on the same line as the previous match");
      return std::nullopt;
    }
    if (!check_nots(nots, start, match.pos)) return std::nullopt;
    return match.pos + match.len;
  }

  // Matches DAG groups (NOTs between them order them); returns the start for what follows and the trailing NOTs.
  std::optional<std::pair<std::size_t, std::vector<const Directive*>>> check_dags(
      const std::vector<const Directive*>& group, std::size_t from, std::size_t to, std::optional<std::size_t>) {
    std::size_t start = from, last_end = from;
    std::vector<const Directive*> nots;
    std::vector<Match> ranges;  // matches of the current DAG group
    bool in_dag_group = false;
    for (const Directive* d : group) {
      if (d->kind == Kind::not_) {
        nots.push_back(d);
        in_dag_group = false;
        continue;
      }
      if (!in_dag_group) {
        // A new DAG group: NOTs since the last group must not occur between it and this group's matches.
        if (!nots.empty()) {
          pending_nots_ = nots;
          not_from_ = last_end;
        }
        start = last_end;
        ranges.clear();
        in_dag_group = true;
      }
      std::size_t search = start;
      std::optional<Match> found;
      for (;;) {
        std::string undefined;
        found = m_.find(*d, search, to, &undefined);
        if (!found) {
          not_found(*d, search, to, undefined);
          return std::nullopt;
        }
        auto overlap = std::find_if(ranges.begin(), ranges.end(), [&](const Match& r) {
          return (found->pos < r.pos + r.len && r.pos < found->pos + found->len) ||
                 (found->len == 0 && found->pos >= r.pos && found->pos < r.pos + r.len);
        });
        if (overlap == ranges.end()) break;
        search = overlap->pos + std::max<std::size_t>(overlap->len, 1);
      }
      ranges.push_back(*found);
      last_end = std::max(last_end, found->pos + found->len);
      if (!pending_nots_.empty()) {
        std::size_t group_start = found->pos;
        for (const auto& r : ranges) group_start = std::min(group_start, r.pos);
        if (group_start < not_from_) group_start = not_from_;
        if (!check_nots(pending_nots_, not_from_, group_start)) return std::nullopt;
      }
      nots.clear();
    }
    pending_nots_.clear();
    return std::make_pair(last_end, nots);
  }

  bool check_nots(const std::vector<const Directive*>& nots, std::size_t from, std::size_t to) {
    for (const Directive* d : nots) {
      std::string undefined;
      auto found = m_.find(*d, from, to, &undefined);
      if (!undefined.empty()) {
        fail(*d, fmt::format("undefined variable: {}", undefined));
        return false;
      }
      if (!found) continue;
      fail(*d, fmt::format("{}: excluded string found in input", d->name));
      note_at(found->pos, "found here", found->len);
      return false;
    }
    return true;
  }

  void fail(const Directive& d, const std::string& message) {
    if (outcome_.status == Status::match) {
      outcome_.status = Status::mismatch;
      const int line = d.line + options_.line_offset;
      outcome_.check_line = line;
      outcome_.summary = fmt::format("{} (line {})", message, line);
      if (!d.text.empty()) outcome_.summary = fmt::format("{}: {} (line {})", message, d.text, line);
      failure_at_ = d.line;
    }
    text_ += fmt::format("{}:{}:{}: error: {}\n{}\n{}^\n", options_.check_name, d.line + options_.line_offset, d.column,
                         message, d.line_text, std::string(static_cast<std::size_t>(d.column - 1), ' '));
  }

  void note_at(std::size_t pos, std::string_view what, std::size_t len = 1) {
    int line = m_.line_of(pos), column = m_.column_of(pos);
    // A huge line is shown as a window around the column: a diagnostic stays readable and small.
    std::string_view text = m_.line_text(line);
    std::size_t caret = static_cast<std::size_t>(column - 1);
    std::string shown;
    if (text.size() > kShownLine) {
      std::size_t begin = caret > kShownLine / 3 ? std::min(caret - kShownLine / 3, text.size() - kShownLine) : 0;
      shown = fmt::format(
          "{}{}{}", begin > 0 ? "[...]" : "", text.substr(begin, kShownLine),
          begin + kShownLine < text.size() ? fmt::format("[... {} more bytes]", text.size() - begin - kShownLine) : "");
      caret = caret - begin + (begin > 0 ? 5 : 0);
    } else {
      shown = std::string(text);
    }
    text_ += fmt::format("{}:{}:{}: note: {}\n{}\n{}^{}\n", options_.input_name, line, column, what, shown,
                         std::string(caret, ' '), std::string(len > 1 ? std::min<std::size_t>(len - 1, 80) : 0, '~'));
    if (excerpt_line_ == 0) excerpt_line_ = line;
  }

  void not_found(const Directive& d, std::size_t from, std::size_t to, const std::string& undefined = {}) {
    fail(d, fmt::format("{}: expected string not found in input", d.name));
    note_at(from, "scanning from here");
    if (!m_.gave_up().empty()) text_ += fmt::format("note: {}\n", m_.gave_up());
    if (!undefined.empty()) {
      text_ += fmt::format("{}:{}:{}: note: uses undefined variable(s): \"{}\"\n", options_.check_name,
                           d.line + options_.line_offset, d.column, undefined);
      return;
    }
    // The closest line in the searched range, as FileCheck's "possible intended match".
    std::string wanted;
    for (const auto& piece : d.pieces)
      if (piece.type == Piece::literal) wanted += piece.text;
    if (wanted.empty()) return;
    int first = m_.line_of(from), last = m_.line_of(to == 0 ? 0 : to - 1);
    int best_line = 0, best = static_cast<int>(wanted.size()) / 2 + 1;
    // At most 10 000 lines are compared: the note helps, and must not cost more than the match did.
    for (int line = first; line <= last && line <= m_.line_count() && line < first + 10000; ++line) {
      std::string_view text = m_.line_text(line);
      // Against the line's start of the same length: "result: []" is close to "result: [4, 9, 64]".
      int distance = edit_distance(wanted, text.substr(0, wanted.size()));
      if (distance < best) best = distance, best_line = line;
    }
    if (best_line > 0) {
      std::size_t pos = static_cast<std::size_t>(m_.line_text(best_line).data() - m_.input().data());
      note_at(pos, "possible intended match here");
    }
  }

  void placement_error(const Directive& d, std::size_t previous_end, const Match& match, std::string_view what) {
    fail(d, fmt::format("{}: {}", d.name, what));
    note_at(match.pos, fmt::format("'{}' match was here", d.name), match.len);
    note_at(previous_end, "previous match ended here");
  }

  Outcome finish() {
    if (outcome_.status != Status::match) {
      text_ += annotated_input();
      outcome_.diagnostic = std::move(text_);
    }
    return outcome_;
  }

  // The input around the first failure, numbered, as FileCheck's -dump-input does.
  std::string annotated_input() const {
    if (m_.line_count() == 0) return {};
    int center = excerpt_line_ ? excerpt_line_ : 1;
    int first = std::max(1, center - 3), last = std::min(m_.line_count(), center + 5);
    std::string out =
        fmt::format("\nInput ({}, lines {}-{} of {}):\n", options_.input_name, first, last, m_.line_count());
    for (int line = first; line <= last; ++line)
      out += fmt::format("{} {:>5}: {}\n", line == center ? ">" : " ", line,
                         regex::excerpt(m_.line_text(line), kShownLine));
    return out;
  }

  std::vector<Directive> directives_;
  Matcher& m_;
  const Options& options_;
  Outcome outcome_;
  std::string text_;
  int failure_at_ = 0;
  int excerpt_line_ = 0;
  std::vector<const Directive*> pending_nots_;
  std::size_t not_from_ = 0;
};

}  // namespace

Outcome validate(std::string_view check_text, const Options& options) {
  Outcome outcome;
  parse(check_text, options, outcome);
  return outcome;
}

Outcome run(std::string_view check_text, std::string_view input, const Options& options) {
  Outcome outcome;
  auto directives = parse(check_text, options, outcome);
  if (!directives) return outcome;
  if (input.empty()) {
    outcome.status = Status::invalid_checks;
    outcome.summary = fmt::format("the input is empty: {} printed nothing", options.input_name);
    outcome.diagnostic = fmt::format("error: '{}' is empty.\n", options.input_name);
    return outcome;
  }
  Matcher matcher(canonicalise(input), options);
  Outcome checked = Checker(std::move(*directives), matcher, options).check();
  checked.warnings = std::move(outcome.warnings);
  return checked;
}

}  // namespace parex::filecheck
