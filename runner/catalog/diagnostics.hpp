// Diagnostics of a case.toml, internal to catalog/: the Validator reads typed values and collects every error
// and warning at the node it is about, with a did-you-mean for a misspelt name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "catalog/catalog.hpp"

namespace parex::case_toml {

// A name of a case, variant or tag: [a-z0-9_]+.
bool is_name(std::string_view name);

// Collects the errors of one case.toml, each at the position of the node it is about.
class Validator {
 public:
  explicit Validator(std::filesystem::path file) : file_(std::move(file)) {}

  // An error at `where`, or about the file as a whole.
  void error(const toml::source_region& where, std::string message);
  void error(std::string message);
  // A warning at line:column, which does not stop the case.
  void warning(int line, int column, std::string message);

  // Reports every key of `table` not in `allowed`, with a suggestion.
  void reject_unknown_keys(const toml::table& table, const std::vector<std::string>& allowed, std::string_view where);

  // The value of `key` in `table` when it is there and of the type; an error when it is there and is not.
  std::optional<std::string> string(const toml::table& table, std::string_view key);
  std::optional<bool> boolean(const toml::table& table, std::string_view key);
  std::optional<double> number(const toml::table& table, std::string_view key);  // an integer is a number too
  std::optional<long long> integer(const toml::table& table, std::string_view key);
  std::optional<std::vector<std::string>> strings(const toml::table& table, std::string_view key);

  // A value that must lie in [low, high]; reports at the key's node.
  template <typename T>
  void require_range(const toml::table& table, std::string_view key, std::optional<T>& value, T low, T high,
                     std::string_view what) {
    if (value && (*value < low || *value > high)) {
      error(table.get(key)->source(), fmt::format("'{}' must be {} (got {})", key, what, *value));
      value.reset();
    }
  }

  // Patterns are RE2's: one that RE2 refuses is a catalog error now, never a grading failure later.
  void regex(const toml::table& table, std::string_view key, const std::string& pattern);

  // Where line 1 of a string value is in the file, minus one: a """ that ends its line starts the
  // text on the next line (TOML drops that first newline).
  int text_line_offset(const toml::node& node);

  std::vector<Diagnostic> take() { return std::move(errors_); }
  std::vector<Diagnostic> take_warnings() { return std::move(warnings_); }
  bool ok() const { return errors_.empty(); }

 private:
  std::filesystem::path file_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
  std::vector<std::string> lines_;  // the file, read on demand
};

}  // namespace parex::case_toml
