#include "catalog/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "match/filecheck.hpp"
#include "data/record.hpp"
#include "match/regex.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

bool is_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Names the build tools already use for targets of their own; an executable of that name breaks Ninja.
bool is_reserved_target(std::string_view name) {
  for (std::string_view reserved : {"all", "clean", "help", "install", "package", "test"})
    if (name == reserved) return true;
  return false;
}

// Collects the errors of one case.toml, each at the position of the node it is about.
class Validator {
 public:
  explicit Validator(fs::path file) : file_(std::move(file)) {}

  void error(const toml::source_region& where, std::string message) {
    errors_.push_back({file_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                       std::move(message)});
  }
  void error(std::string message) { errors_.push_back({file_, 0, 0, std::move(message)}); }
  void warning(int line, int column, std::string message) {
    warnings_.push_back({file_, line, column, "warning: " + std::move(message)});
  }

  // Reports every key of `table` not in `allowed`, with a suggestion.
  void reject_unknown_keys(const toml::table& table, const std::vector<std::string>& allowed,
                           std::string_view where) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      auto suggestion = did_you_mean(name, allowed);
      std::string message = where.empty() ? fmt::format("unknown key '{}'", name)
                                          : fmt::format("unknown key '{}' in {}", name, where);
      if (!suggestion.empty()) message += fmt::format(" (did you mean '{}'?)", suggestion);
      else message += fmt::format(" (expected one of: {})", fmt::join(allowed, ", "));
      error(key.source().begin.line ? key.source() : node.source(), std::move(message));
    }
  }

  std::optional<std::string> string(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value_exact<std::string>()) return *value;
    error(node->source(), fmt::format("'{}' must be a string", key));
    return std::nullopt;
  }

  std::optional<bool> boolean(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value_exact<bool>()) return *value;
    error(node->source(), fmt::format("'{}' must be true or false", key));
    return std::nullopt;
  }

  std::optional<double> number(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (node->is_floating_point()) return node->value_exact<double>();
    if (node->is_integer()) return static_cast<double>(*node->value_exact<int64_t>());
    error(node->source(), fmt::format("'{}' must be a number", key));
    return std::nullopt;
  }

  std::optional<long long> integer(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (node->is_integer()) return *node->value_exact<int64_t>();
    error(node->source(), fmt::format("'{}' must be an integer", key));
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> strings(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    const toml::array* array = node->as_array();
    std::vector<std::string> out;
    if (array) {
      for (const auto& item : *array) {
        if (auto value = item.value_exact<std::string>()) out.push_back(*value);
        else array = nullptr;
      }
    }
    if (!array) {
      error(node->source(), fmt::format("'{}' must be an array of strings", key));
      return std::nullopt;
    }
    return out;
  }

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
  void regex(const toml::table& table, std::string_view key, const std::string& pattern) {
    if (auto refused = regex::validate(pattern)) {
      const toml::node* node = table.get(key);
      error(node ? node->source() : table.source(), fmt::format("bad regex '{}' in '{}': {}", pattern, key, *refused));
    }
  }

  // Where line 1 of a string value is in the file, minus one: a """ that ends its line starts the
  // text on the next line (TOML drops that first newline).
  int text_line_offset(const toml::node& node) {
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

  std::vector<Diagnostic> take() { return std::move(errors_); }
  std::vector<Diagnostic> take_warnings() { return std::move(warnings_); }
  bool ok() const { return errors_.empty(); }

 private:
  fs::path file_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
  std::vector<std::string> lines_;  // the file, read on demand
};

const std::vector<std::string> kTopKeys = {"title", "about", "tags", "timeout", "time_scale", "repetitions",
                                           "warmup", "capture", "sandbox", "limits", "variants", "checks", "submission"};
const std::vector<std::string> kSubmissionKeys = {"variant", "files", "hidden_variants", "build_timeout"};
const std::vector<std::string> kVisibilities = {"visible", "hidden", "after_due_date"};
const std::vector<std::string> kLimitKeys = {"max_processes", "max_output_bytes", "memory_mb"};
const std::vector<std::string> kVariantKeys = {"expect", "args", "command"};
const std::vector<std::string> kCheckKinds = {"speedup",     "benchmark_speedup", "same_lines", "in_order",
                                              "interleaved", "filecheck",         "isolation",  "exit",
                                              "processes", "scaling"};

std::vector<std::string> keys_for(CheckKind kind) {
  std::vector<std::string> keys = {"kind", "name", "points", "visibility"};
  auto add = [&](std::initializer_list<const char*> more) { keys.insert(keys.end(), more.begin(), more.end()); };
  switch (kind) {
    case CheckKind::speedup:
      add({"baseline", "at_least", "at_most", "min_work", "efficiency", "workers", "max_repetitions", "bands"});
      break;
    case CheckKind::benchmark_speedup:
      add({"baseline", "candidate", "baseline_variant", "at_least", "efficiency", "workers", "bands"});
      break;
    case CheckKind::same_lines: add({"baseline", "ignore"}); break;
    case CheckKind::in_order: add({"pattern", "baseline", "ignore"}); break;
    case CheckKind::interleaved: add({"patterns", "min_overlap"}); break;
    case CheckKind::filecheck: add({"text", "stream"}); break;
    case CheckKind::isolation: add({"probe"}); break;
    case CheckKind::exit: add({"code", "signal"}); break;
    case CheckKind::processes: add({"min_peak", "tasks", "min_overlap"}); break;
    case CheckKind::scaling: add({"max_serial_fraction"}); break;
  }
  return keys;
}

std::optional<CheckKind> check_kind(std::string_view name) {
  for (std::size_t i = 0; i < kCheckKinds.size(); ++i)
    if (kCheckKinds[i] == name) return static_cast<CheckKind>(i);
  return std::nullopt;
}

std::string default_check_name(const CheckSpec& check) {
  switch (check.kind) {
    case CheckKind::speedup: return fmt::format("speedup vs {}", check.baseline);
    case CheckKind::benchmark_speedup: return fmt::format("benchmark {} vs {}", check.candidate, check.baseline);
    case CheckKind::same_lines: return fmt::format("same lines as {}", check.baseline);
    case CheckKind::in_order: return fmt::format("in order /{}/ as {}", check.pattern, check.baseline);
    case CheckKind::interleaved: {
      std::vector<std::string> quoted;
      for (const auto& p : check.patterns) quoted.push_back(fmt::format("/{}/", p));
      return fmt::format("interleaved {}", fmt::join(quoted, " "));
    }
    case CheckKind::filecheck: return fmt::format("filecheck {}", check.stream);
    case CheckKind::isolation: return fmt::format("isolation of '{}'", check.probe);
    case CheckKind::exit:
      return check.signal ? fmt::format("exit by {}", signal_name(*check.signal))
                          : fmt::format("exit code {}", check.code.value_or(0));
    case CheckKind::scaling:
      return fmt::format("scaling: serial fraction at most {:g}", check.max_serial_fraction.value_or(0));
    case CheckKind::processes:
      return check.tasks.empty() ? fmt::format("at least {} processes at once", check.min_peak)
                                 : fmt::format("at least {} processes at once, {} each in its own", check.min_peak,
                                               fmt::join(check.tasks, " and "));
  }
  return "check";
}

// bands = [[1.8, 1.0], [1.5, 0.5]]: pairs of (value, fraction of the points), kept highest value first.
void read_bands(const toml::node& node, CheckSpec& check, Validator& v) {
  const toml::array* bands = node.as_array();
  auto number = [](const toml::node& n) -> std::optional<double> {
    if (n.is_floating_point()) return n.value_exact<double>();
    if (n.is_integer()) return static_cast<double>(*n.value_exact<int64_t>());
    return std::nullopt;
  };
  bool ok = bands && !bands->empty();
  for (std::size_t i = 0; ok && i < bands->size(); ++i) {
    const toml::array* band = (*bands)[i].as_array();
    std::optional<double> value, fraction;
    if (band && band->size() == 2) value = number((*band)[0]), fraction = number((*band)[1]);
    if (!value || !fraction || *value <= 0 || *fraction < 0 || *fraction > 1) ok = false;
    else check.bands.emplace_back(*value, *fraction);
  }
  if (!ok) {
    v.error(node.source(), "'bands' must be a list of [value, fraction] pairs, value > 0 and fraction in [0, 1], e.g. "
                           "[[1.8, 1.0], [1.5, 0.5]]");
    check.bands.clear();
    return;
  }
  std::sort(check.bands.begin(), check.bands.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
}

void read_checks(const toml::table& root, CaseSpec& spec, Validator& v) {
  const toml::node* node = root.get("checks");
  if (!node) return;
  const toml::array* checks = node->as_array();
  if (!checks || !checks->is_array_of_tables()) {
    v.error(node->source(), "'checks' must be an array of tables: write each as [[checks]]");
    return;
  }
  for (const auto& item : *checks) {
    const toml::table& table = *item.as_table();
    CheckSpec check;
    check.line = static_cast<int>(table.source().begin.line);
    auto kind_name = v.string(table, "kind");
    if (!kind_name) {
      if (!table.get("kind")) v.error(table.source(), "[[checks]] needs a 'kind'");
      continue;
    }
    auto kind = check_kind(*kind_name);
    if (!kind) {
      auto suggestion = did_you_mean(*kind_name, kCheckKinds);
      v.error(table.get("kind")->source(),
              fmt::format("unknown check kind '{}'{}", *kind_name,
                          suggestion.empty() ? fmt::format(" (expected one of: {})", fmt::join(kCheckKinds, ", "))
                                             : fmt::format(" (did you mean '{}'?)", suggestion)));
      continue;
    }
    check.kind = *kind;
    v.reject_unknown_keys(table, keys_for(check.kind), fmt::format("a '{}' check", *kind_name));

    auto require = [&](std::string_view key) {
      if (!table.get(key)) v.error(table.source(), fmt::format("a '{}' check needs '{}'", *kind_name, key));
    };
    check.name = v.string(table, "name").value_or("");
    check.baseline = v.string(table, "baseline").value_or("");
    check.candidate = v.string(table, "candidate").value_or("");
    check.baseline_variant = v.string(table, "baseline_variant").value_or("");
    check.pattern = v.string(table, "pattern").value_or("");
    check.text = v.string(table, "text").value_or("");
    if (const toml::node* text = table.get("text")) check.text_line_offset = v.text_line_offset(*text);
    check.stream = v.string(table, "stream").value_or("stdout");
    check.probe = v.string(table, "probe").value_or("");
    check.ignore = v.string(table, "ignore").value_or("");
    check.patterns = v.strings(table, "patterns").value_or(std::vector<std::string>{});
    check.at_least = v.number(table, "at_least");
    check.efficiency = v.number(table, "efficiency");
    check.at_most = v.number(table, "at_most");
    v.require_range(table, "at_most", check.at_most, 1e-9, 1e9, "positive");
    check.min_work = v.number(table, "min_work");
    v.require_range(table, "min_work", check.min_work, 0.0, 1e3, "0 or more");
    if (auto min_peak = v.integer(table, "min_peak")) check.min_peak = static_cast<int>(*min_peak);
    check.min_overlap = v.number(table, "min_overlap").value_or(0.5);
    check.tasks = v.strings(table, "tasks").value_or(std::vector<std::string>{});
    if (auto workers = v.integer(table, "workers")) check.workers = static_cast<int>(*workers);
    if (auto max_reps = v.integer(table, "max_repetitions")) check.max_repetitions = static_cast<int>(*max_reps);
    check.max_serial_fraction = v.number(table, "max_serial_fraction");
    if (auto code = v.integer(table, "code")) check.code = static_cast<int>(*code);
    if (auto signal = v.string(table, "signal")) {
      check.signal = signal_number(*signal);
      if (!check.signal) v.error(table.get("signal")->source(), fmt::format("unknown signal '{}'", *signal));
    }
    if (!check.ignore.empty()) v.regex(table, "ignore", check.ignore);
    auto points = v.number(table, "points");
    v.require_range(table, "points", points, 0.0, 1e6, "between 0 and 1000000");
    check.points = points.value_or(1.0);
    if (auto visibility = v.string(table, "visibility")) {
      auto at = std::find(kVisibilities.begin(), kVisibilities.end(), *visibility);
      if (at == kVisibilities.end())
        v.error(table.get("visibility")->source(), fmt::format("'visibility' must be one of: {} (got \"{}\")",
                                                               fmt::join(kVisibilities, ", "), *visibility));
      else
        check.visibility = static_cast<Visibility>(at - kVisibilities.begin());
    }
    if (const toml::node* bands = table.get("bands")) read_bands(*bands, check, v);

    switch (check.kind) {
      case CheckKind::speedup:
      case CheckKind::benchmark_speedup:
        require("baseline");
        if (check.kind == CheckKind::benchmark_speedup) require("candidate");
        if (check.at_least.has_value() == check.efficiency.has_value())
          v.error(table.source(), fmt::format("a '{}' check needs exactly one of 'at_least' or 'efficiency'", *kind_name));
        v.require_range(table, "at_least", check.at_least, 1e-9, 1e9, "positive");
        v.require_range(table, "efficiency", check.efficiency, 1e-9, 1.0, "in (0, 1]");
        if (check.workers && !check.efficiency)
          v.error(table.get("workers")->source(), "'workers' goes with 'efficiency'");
        if (check.workers && *check.workers < 1) v.error(table.get("workers")->source(), "'workers' must be >= 1");
        if (check.max_repetitions && *check.max_repetitions < 1)
          v.error(table.get("max_repetitions")->source(), "'max_repetitions' must be >= 1");
        break;
      case CheckKind::same_lines: require("baseline"); break;
      case CheckKind::in_order:
        require("baseline");
        require("pattern");
        if (!check.pattern.empty()) v.regex(table, "pattern", check.pattern);
        break;
      case CheckKind::interleaved:
        if (check.patterns.size() < 2 && table.get("patterns"))
          v.error(table.get("patterns")->source(), "'patterns' needs at least 2 regexes");
        require("patterns");
        for (const auto& p : check.patterns) v.regex(table, "patterns", p);
        if (check.min_overlap < 0 || check.min_overlap > 1)
          v.error(table.get("min_overlap")->source(), "'min_overlap' must be in [0, 1]");
        break;
      case CheckKind::filecheck:
        require("text");
        if (!check.text.empty()) {
          // The check text is validated now, so that a typo is a catalog error.
          auto outcome = filecheck::validate(check.text, {.check_name = "case.toml", .line_offset = check.text_line_offset});
          if (outcome.status == filecheck::Status::invalid_checks)
            v.error(table.get("text")->source(), fmt::format("bad FileCheck text: {}", outcome.summary));
          for (const auto& warning : outcome.warnings) v.warning(warning.line, warning.column, warning.message);
        }
        if (check.stream != "stdout" && check.stream != "stderr")
          v.error(table.get("stream")->source(), fmt::format("'stream' must be \"stdout\" or \"stderr\" (got \"{}\")", check.stream));
        break;
      case CheckKind::isolation: require("probe"); break;
      case CheckKind::processes:
        require("min_peak");
        if (check.min_peak < 1 || check.min_peak > 100000)
          v.error(table.source(), fmt::format("'min_peak' must be between 1 and 100000 (got {})", check.min_peak));
        if (auto* tasks = table.get("tasks")) {
          std::set<std::string> seen;
          for (const auto& task : check.tasks)
            if (task.empty() || !seen.insert(task).second)
              v.error(tasks->source(), fmt::format("'tasks' names each task once, none empty (got \"{}\" again)", task));
          if (check.tasks.empty()) v.error(tasks->source(), "'tasks' needs at least one task");
        }
        if (check.min_overlap < 0 || check.min_overlap > 1)
          v.error(table.get("min_overlap")->source(), "'min_overlap' must be in [0, 1]");
        break;
      case CheckKind::scaling:
        require("max_serial_fraction");
        v.require_range(table, "max_serial_fraction", check.max_serial_fraction, 0.0, 1.0, "in [0, 1]");
        break;
      case CheckKind::exit:
        if (table.get("code") && table.get("signal"))
          v.error(table.source(), "an 'exit' check takes 'code' or 'signal', not both");
        break;
    }
    if (check.name.empty()) check.name = default_check_name(check);
    spec.checks.push_back(std::move(check));
  }
}

void read_variants(const toml::table& root, CaseSpec& spec, Validator& v) {
  // Compiled variants by convention: <name>.cpp, or a folder <name>/ holding .cpp files.
  for (const auto& entry : fs::directory_iterator(spec.dir)) {
    const auto& path = entry.path();
    std::string name;
    if (entry.is_regular_file() && path.extension() == ".cpp") {
      name = path.stem().string();
    } else if (entry.is_directory()) {
      bool has_sources = false;
      for (const auto& inner : fs::directory_iterator(path))
        has_sources |= inner.is_regular_file() && inner.path().extension() == ".cpp";
      if (!has_sources) continue;
      name = path.filename().string();
    } else {
      continue;
    }
    if (!is_name(name)) {
      v.error(fmt::format("variant source '{}': a variant name must match [a-z0-9_]+", path.filename().string()));
      continue;
    }
    if (is_reserved_target(name)) {
      v.error(fmt::format("variant source '{}': '{}' is a reserved build target name (all, clean, help, install, "
                          "package, test): rename it",
                          path.filename().string(), name));
      continue;
    }
    if (spec.variants.contains(name)) {
      v.error(fmt::format("variant '{}' is both {}.cpp and a folder {}/: keep one", name, name, name));
      continue;
    }
    VariantSpec variant;
    variant.name = name;
    variant.compiled = true;
    spec.variants[name] = std::move(variant);
  }

  if (const toml::node* node = root.get("variants")) {
    const toml::table* tables = node->as_table();
    if (!tables) {
      v.error(node->source(), "'variants' must be a table of [variants.NAME] tables");
    } else {
      for (auto&& [key, value] : *tables) {
        const std::string name(key.str());
        const toml::table* table = value.as_table();
        if (!table) {
          v.error(value.source(), fmt::format("'variants.{}' must be a table", name));
          continue;
        }
        v.reject_unknown_keys(*table, kVariantKeys, fmt::format("[variants.{}]", name));
        VariantSpec& variant = spec.variants[name];
        variant.name = name;
        if (auto expect = v.string(*table, "expect")) {
          if (*expect == "pass") variant.expect = Expect::pass;
          else if (*expect == "fail") variant.expect = Expect::fail;
          else v.error(table->get("expect")->source(), fmt::format("'expect' must be \"pass\" or \"fail\" (got \"{}\")", *expect));
        }
        variant.args = v.strings(*table, "args").value_or(std::vector<std::string>{});
        if (auto command = v.strings(*table, "command")) {
          if (command->empty()) v.error(table->get("command")->source(), "'command' must not be empty");
          if (variant.compiled)
            v.error(table->get("command")->source(),
                    fmt::format("variant '{}' has both a source ({}.cpp or {}/) and a command: keep one", name, name, name));
          variant.command = std::move(*command);
        }
        if (!variant.compiled && variant.command.empty())
          v.error(table->source(), fmt::format("variant '{}' has no {}.cpp, no {}/ folder and no 'command'", name, name, name));
        if (!is_name(name)) v.error(key.source(), fmt::format("variant name '{}' must match [a-z0-9_]+", name));
      }
    }
  }

  if (auto it = spec.variants.find("parallel"); it != spec.variants.end() && !it->second.expect)
    it->second.expect = Expect::pass;
}

void validate_references(CaseSpec& spec, Validator& v) {
  std::vector<std::string> names;
  for (const auto& [name, variant] : spec.variants) names.push_back(name);
  for (const auto& check : spec.checks) {
    bool names_variant = check.kind == CheckKind::speedup || check.kind == CheckKind::same_lines ||
                         check.kind == CheckKind::in_order;
    const std::string& variant = names_variant ? check.baseline : check.baseline_variant;
    const char* key = names_variant ? "baseline" : "baseline_variant";
    if (variant.empty() || spec.variants.contains(variant)) continue;
    auto suggestion = did_you_mean(variant, names);
    v.error(toml::source_region{{static_cast<toml::source_index>(check.line), 1}, {}, nullptr},
            fmt::format("{} '{}' names no variant of this case{}", key, variant,
                        suggestion.empty() ? fmt::format(" (variants: {})", fmt::join(names, ", "))
                                           : fmt::format(" (did you mean '{}'?)", suggestion)));
  }
  if (spec.graded().empty())
    v.error("no graded variant: add parallel.cpp, or set expect = \"pass\" in a [variants.NAME] table");
}

// The files a variant is made of, relative to the case folder: <name>.cpp, <name>/*.cpp, or the files
// its command names.
std::vector<std::string> variant_sources(const CaseSpec& spec, const VariantSpec& variant) {
  std::vector<std::string> out;
  std::error_code ec;
  if (variant.compiled) {
    if (fs::is_regular_file(spec.dir / (variant.name + ".cpp"), ec)) out.push_back(variant.name + ".cpp");
    else out.push_back(variant.name + "/*.cpp");
    return out;
  }
  for (const auto& arg : variant.command)
    if (arg.find('/') == std::string::npos && fs::is_regular_file(spec.dir / arg, ec)) out.push_back(arg);
  return out;
}

// [submission]: what a learner edits and hands in, with its defaults; every name it uses must exist.
void read_submission(const toml::table& root, CaseSpec& spec, Validator& v) {
  const toml::node* node = root.get("submission");
  const toml::table* table = node ? node->as_table() : nullptr;
  if (node && !table) {
    v.error(node->source(), "'submission' must be a table: write it as [submission]");
    return;
  }
  if (!table && !spec.variants.contains("starter")) return;
  SubmissionSpec submission;
  submission.declared = table != nullptr;
  std::vector<std::string> names;
  for (const auto& [name, variant] : spec.variants) names.push_back(name);
  auto name_error = [&](const toml::node* at, std::string_view key, const std::string& name) {
    auto suggestion = did_you_mean(name, names);
    v.error(at ? at->source() : table->source(),
            fmt::format("'{}' names no variant of this case: '{}'{}", key, name,
                        suggestion.empty() ? fmt::format(" (variants: {})", fmt::join(names, ", "))
                                           : fmt::format(" (did you mean '{}'?)", suggestion)));
  };
  if (table) {
    v.reject_unknown_keys(*table, kSubmissionKeys, "[submission]");
    submission.variant = v.string(*table, "variant").value_or("");
    auto build_timeout = v.number(*table, "build_timeout");
    v.require_range(*table, "build_timeout", build_timeout, 1.0, 3600.0, "between 1 and 3600 seconds");
    if (build_timeout) submission.build_timeout_s = *build_timeout;
  }
  if (submission.variant.empty()) {
    if (!spec.variants.contains("starter")) {
      v.error(table->source(), "[submission] needs 'variant' when the case has no starter variant");
      return;
    }
    submission.variant = "starter";
  }
  if (!spec.variants.contains(submission.variant)) return name_error(table->get("variant"), "variant", submission.variant);
  const VariantSpec& edited = spec.variants.at(submission.variant);

  std::optional<std::vector<std::string>> files, hidden;
  if (table) files = v.strings(*table, "files"), hidden = v.strings(*table, "hidden_variants");
  submission.files = files.value_or(variant_sources(spec, edited));
  for (const auto& glob : submission.files)
    if (glob.empty() || glob.starts_with("/") || glob.find("..") != std::string::npos || glob == "case.toml")
      v.error(table->get("files")->source(), fmt::format("'files' holds '{}': a glob relative to the case folder, "
                                                         "without '..', and never case.toml", glob));
  const auto baselines = spec.baselines();
  if (hidden) {
    for (const auto& name : *hidden) {
      if (!spec.variants.contains(name)) name_error(table->get("hidden_variants"), "hidden_variants", name);
      else if (name == submission.variant)
        v.error(table->get("hidden_variants")->source(),
                fmt::format("'hidden_variants' holds '{}', the variant learners edit", name));
    }
    submission.hidden_variants = *hidden;
  } else {
    for (const auto& name : names)
      if (name != submission.variant && std::find(baselines.begin(), baselines.end(), name) == baselines.end())
        submission.hidden_variants.push_back(name);
  }
  // A check measured against a hidden variant cannot be shown to learners: it is hidden too.
  for (auto& check : spec.checks) {
    const std::string& variant = check.kind == CheckKind::benchmark_speedup ? check.baseline_variant : check.baseline;
    const bool hidden_baseline = !variant.empty() && std::find(submission.hidden_variants.begin(),
                                                               submission.hidden_variants.end(),
                                                               variant) != submission.hidden_variants.end();
    if (!hidden_baseline) continue;
    if (check.visibility == Visibility::visible)
      v.warning(check.line, 1, fmt::format("check '{}' compares with '{}', a hidden variant: it is hidden from learners "
                                           "too (say visibility = \"hidden\" to make that explicit)",
                                           check.name, variant));
    check.visibility = Visibility::hidden;
  }
  spec.submission = std::move(submission);
}

}  // namespace

CaseSpec load_case_or_throw(const fs::path& dir) {
  LoadResult loaded = load_case(dir);
  if (loaded.spec) return std::move(*loaded.spec);
  std::string errors;
  for (const auto& error : loaded.errors) errors += format_diagnostic(error) + "\n";
  throw std::invalid_argument(fmt::format("{}fix the catalog first (parex check {})", errors, dir.string()));
}

std::string format_diagnostic(const Diagnostic& d) {
  if (d.line > 0) return fmt::format("{}:{}:{}: {}", d.file.string(), d.line, d.column, d.message);
  return fmt::format("{}: {}", d.file.string(), d.message);
}

std::vector<std::string> CaseSpec::graded() const {
  std::vector<std::string> out;
  for (const auto& [name, variant] : variants)
    if (variant.expect) out.push_back(name);
  return out;
}

std::vector<std::string> CaseSpec::baselines() const {
  std::vector<std::string> out;
  for (const auto& check : checks) {
    bool names_variant = check.kind == CheckKind::speedup || check.kind == CheckKind::same_lines ||
                         check.kind == CheckKind::in_order;
    const std::string& variant = names_variant ? check.baseline : check.baseline_variant;
    if (!variant.empty() && std::find(out.begin(), out.end(), variant) == out.end()) out.push_back(variant);
  }
  return out;
}

bool CaseSpec::has_timing_check() const {
  return std::any_of(checks.begin(), checks.end(), [](const CheckSpec& c) {
    return c.kind == CheckKind::speedup || c.kind == CheckKind::benchmark_speedup || c.kind == CheckKind::scaling;
  });
}

LoadResult load_case(const fs::path& dir) {
  const fs::path file = dir / "case.toml";
  Validator v(file);
  LoadResult result;
  CaseSpec spec;
  spec.dir = dir;
  spec.name = fs::absolute(dir).lexically_normal().filename().string();
  if (spec.name.empty()) spec.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  if (!is_name(spec.name)) v.error(fmt::format("case folder '{}': a case name must match [a-z0-9_]+", spec.name));

  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    v.error(fs::is_directory(dir, ec) ? "no case.toml in this folder: run 'parex new NAME' to scaffold a case"
                                      : "no such case folder");
    result.errors = v.take();
    return result;
  }

  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    v.error(e.source(), fmt::format("TOML syntax error: {}", e.description()));
    result.errors = v.take();
    return result;
  }

  v.reject_unknown_keys(root, kTopKeys, "");
  if (auto title = v.string(root, "title")) spec.title = *title;
  else if (!root.get("title")) v.error(toml::source_region{{1, 1}, {}, nullptr}, "missing required key 'title'");
  spec.about = v.string(root, "about").value_or("");
  spec.tags = v.strings(root, "tags").value_or(std::vector<std::string>{});
  for (const auto& tag : spec.tags)
    if (!is_name(tag)) v.error(root.get("tags")->source(), fmt::format("tag '{}' must match [a-z0-9_]+ (tags become CTest labels)", tag));

  auto timeout = v.number(root, "timeout");
  v.require_range(root, "timeout", timeout, 1e-3, 86400.0, "between 0.001 and 86400 seconds");
  spec.timeout_s = timeout.value_or(60.0);
  auto scale = v.number(root, "time_scale");
  v.require_range(root, "time_scale", scale, 1e-6, 1e6, "positive");
  spec.time_scale = scale.value_or(1.0);
  auto reps = v.integer(root, "repetitions");
  v.require_range(root, "repetitions", reps, 1LL, 10000LL, "between 1 and 10000");
  spec.repetitions = static_cast<int>(reps.value_or(3));
  auto warmup = v.integer(root, "warmup");
  v.require_range(root, "warmup", warmup, 0LL, 10000LL, "between 0 and 10000");
  spec.warmup = static_cast<int>(warmup.value_or(0));
  spec.sandbox = v.boolean(root, "sandbox").value_or(true);
  if (auto capture = v.string(root, "capture")) {
    if (*capture == "pipe") spec.capture = Capture::pipe;
    else if (*capture == "pty") spec.capture = Capture::pty;
    else v.error(root.get("capture")->source(), fmt::format("'capture' must be \"pipe\" or \"pty\" (got \"{}\")", *capture));
  }

  if (const toml::node* node = root.get("limits")) {
    if (const toml::table* limits = node->as_table()) {
      v.reject_unknown_keys(*limits, kLimitKeys, "[limits]");
      auto procs = v.integer(*limits, "max_processes");
      v.require_range(*limits, "max_processes", procs, 1LL, 100000LL, "between 1 and 100000");
      auto bytes = v.integer(*limits, "max_output_bytes");
      v.require_range(*limits, "max_output_bytes", bytes, 1LL, 1LL << 40, "positive");
      auto memory = v.integer(*limits, "memory_mb");
      v.require_range(*limits, "memory_mb", memory, 1LL, 1LL << 20, "positive");
      if (procs) spec.limits.max_processes = static_cast<int>(*procs);
      if (bytes) spec.limits.max_output_bytes = *bytes;
      if (memory) spec.limits.memory_mb = static_cast<int>(*memory);
    } else {
      v.error(node->source(), "'limits' must be a table: write it as [limits]");
    }
  }

  read_variants(root, spec, v);
  read_checks(root, spec, v);
  validate_references(spec, v);
  read_submission(root, spec, v);

  if (v.ok()) result.spec = std::move(spec);
  result.errors = v.take();
  result.warnings = v.take_warnings();
  return result;
}

std::vector<fs::path> find_cases(const fs::path& catalog) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(catalog, ec))
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "case.toml")) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view to_string(CheckKind kind) { return kCheckKinds[static_cast<std::size_t>(kind)]; }

std::string_view to_string(Visibility visibility) { return kVisibilities[static_cast<std::size_t>(visibility)]; }

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
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
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
