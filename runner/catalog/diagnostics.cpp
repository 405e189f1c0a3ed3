// Diagnostics of a case.toml (catalog/diagnostics.hpp): the Validator's typed reads and the errors it collects;
// format_diagnostic and did_you_mean (catalog/catalog.hpp).
#include "catalog/diagnostics.hpp"

#include <algorithm>
#include <fstream>

#include "match/regex.hpp"

namespace parex {
namespace case_toml {

bool is_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void Validator::error(const toml::source_region& where, std::string message) {
  errors_.push_back(
      {file_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column), std::move(message)});
}

void Validator::error(std::string message) { errors_.push_back({file_, 0, 0, std::move(message)}); }

void Validator::warning(int line, int column, std::string message) {
  warnings_.push_back({file_, line, column, "warning: " + std::move(message)});
}

void Validator::reject_unknown_keys(const toml::table& table, const std::vector<std::string>& allowed,
                                    std::string_view where) {
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    auto suggestion = did_you_mean(name, allowed);
    std::string message =
        where.empty() ? fmt::format("unknown key '{}'", name) : fmt::format("unknown key '{}' in {}", name, where);
    if (!suggestion.empty())
      message += fmt::format(" (did you mean '{}'?)", suggestion);
    else
      message += fmt::format(" (expected one of: {})", fmt::join(allowed, ", "));
    error(key.source().begin.line ? key.source() : node.source(), std::move(message));
  }
}

std::optional<std::string> Validator::string(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (auto value = node->value_exact<std::string>()) return *value;
  error(node->source(), fmt::format("'{}' must be a string", key));
  return std::nullopt;
}

std::optional<bool> Validator::boolean(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (auto value = node->value_exact<bool>()) return *value;
  error(node->source(), fmt::format("'{}' must be true or false", key));
  return std::nullopt;
}

std::optional<double> Validator::number(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (node->is_floating_point()) return node->value_exact<double>();
  if (node->is_integer()) return static_cast<double>(*node->value_exact<int64_t>());
  error(node->source(), fmt::format("'{}' must be a number", key));
  return std::nullopt;
}

std::optional<long long> Validator::integer(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (node->is_integer()) return *node->value_exact<int64_t>();
  error(node->source(), fmt::format("'{}' must be an integer", key));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Validator::strings(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  const toml::array* array = node->as_array();
  std::vector<std::string> out;
  if (array) {
    for (const auto& item : *array) {
      if (auto value = item.value_exact<std::string>())
        out.push_back(*value);
      else
        array = nullptr;
    }
  }
  if (!array) {
    error(node->source(), fmt::format("'{}' must be an array of strings", key));
    return std::nullopt;
  }
  return out;
}

void Validator::regex(const toml::table& table, std::string_view key, const std::string& pattern) {
  if (auto refused = regex::validate(pattern)) {
    const toml::node* node = table.get(key);
    error(node ? node->source() : table.source(), fmt::format("bad regex '{}' in '{}': {}", pattern, key, *refused));
  }
}

int Validator::text_line_offset(const toml::node& node) {
  const int line = static_cast<int>(node.source().begin.line);
  if (lines_.empty()) {
    std::ifstream in(file_);
    for (std::string text; std::getline(in, text);) lines_.push_back(text);
  }
  if (line < 1 || line > static_cast<int>(lines_.size())) return 0;
  std::string_view text = lines_[static_cast<std::size_t>(line) - 1];
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  bool opens_block = text.ends_with("\"\"\"") || text.ends_with("'''");
  return opens_block ? line : line - 1;
}

}  // namespace case_toml

std::string format_diagnostic(const Diagnostic& d) {
  if (d.line > 0) return fmt::format("{}:{}:{}: {}", d.file.string(), d.line, d.column, d.message);
  return fmt::format("{}: {}", d.file.string(), d.message);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: a swap of neighbours counts as one typo.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j) {
        int cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  std::string best;
  int best_distance = std::max<int>(2, static_cast<int>(word.size()) / 3) + 1;
  for (const auto& candidate : candidates) {
    int dist = distance(word, candidate);
    if (dist < best_distance) {
      best_distance = dist;
      best = candidate;
    }
  }
  return best;
}

}  // namespace parex
