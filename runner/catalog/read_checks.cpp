// Reading [[checks]] (catalog/read_checks.hpp): the kinds of check and their keys, one table at a time, and what
// each kind requires; a check's default name; the names of kinds and visibilities (to_string, catalog/catalog.hpp).
#include "catalog/read_checks.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "data/record.hpp"
#include "match/filecheck.hpp"

namespace parex {
namespace case_toml {
namespace {

const std::vector<std::string> kVisibilities = {"visible", "hidden", "after_due_date"};
const std::vector<std::string> kCheckKinds = {"speedup",     "benchmark_speedup", "same_lines", "in_order",
                                              "interleaved", "filecheck",         "isolation",  "exit",
                                              "processes",   "scaling",           "races"};

std::vector<std::string> keys_for(CheckKind kind) {
  std::vector<std::string> keys = {"kind", "name", "points", "visibility", "hint"};
  auto add = [&](std::initializer_list<const char*> more) { keys.insert(keys.end(), more.begin(), more.end()); };
  switch (kind) {
    case CheckKind::speedup:
      add({"baseline", "at_least", "at_most", "min_work", "efficiency", "workers", "max_repetitions", "bands"});
      break;
    case CheckKind::benchmark_speedup:
      add({"baseline", "candidate", "baseline_variant", "at_least", "efficiency", "workers", "bands"});
      break;
    case CheckKind::same_lines:
      add({"baseline", "ignore"});
      break;
    case CheckKind::in_order:
      add({"pattern", "baseline", "ignore", "rank"});
      break;
    case CheckKind::interleaved:
      add({"patterns", "min_overlap"});
      break;
    case CheckKind::filecheck:
      add({"text", "stream", "rank"});
      break;
    case CheckKind::isolation:
      add({"probe"});
      break;
    case CheckKind::exit:
      add({"code", "signal"});
      break;
    case CheckKind::processes:
      add({"min_peak", "tasks", "min_overlap"});
      break;
    case CheckKind::scaling:
      add({"max_serial_fraction"});
      break;
    case CheckKind::races:
      break;
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
    case CheckKind::speedup:
      return fmt::format("speedup vs {}", check.baseline);
    case CheckKind::benchmark_speedup:
      return fmt::format("benchmark {} vs {}", check.candidate, check.baseline);
    case CheckKind::same_lines:
      return fmt::format("same lines as {}", check.baseline);
    case CheckKind::in_order:
      return fmt::format("in order /{}/ as {}", check.pattern, check.baseline);
    case CheckKind::interleaved: {
      std::vector<std::string> quoted;
      for (const auto& p : check.patterns) quoted.push_back(fmt::format("/{}/", p));
      return fmt::format("interleaved {}", fmt::join(quoted, " "));
    }
    case CheckKind::filecheck:
      return fmt::format("filecheck {}", check.stream);
    case CheckKind::isolation:
      return fmt::format("isolation of '{}'", check.probe);
    case CheckKind::exit:
      return check.signal ? fmt::format("exit by {}", signal_name(*check.signal))
                          : fmt::format("exit code {}", check.code.value_or(0));
    case CheckKind::scaling:
      return fmt::format("scaling: serial fraction at most {:g}", check.max_serial_fraction.value_or(0));
    case CheckKind::races:
      return "no data races (ThreadSanitizer)";
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
    if (!value || !fraction || *value <= 0 || *fraction < 0 || *fraction > 1)
      ok = false;
    else
      check.bands.emplace_back(*value, *fraction);
  }
  if (!ok) {
    v.error(node.source(),
            "'bands' must be a list of [value, fraction] pairs, value > 0 and fraction in [0, 1], e.g. "
            "[[1.8, 1.0], [1.5, 0.5]]");
    check.bands.clear();
    return;
  }
  std::sort(check.bands.begin(), check.bands.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
}

// What a check of its kind requires: the keys it needs, the values they may take.
void check_kind_rules(const toml::table& table, const std::string& kind_name, CheckSpec& check, Validator& v) {
  auto require = [&](std::string_view key) {
    if (!table.get(key)) v.error(table.source(), fmt::format("a '{}' check needs '{}'", kind_name, key));
  };
  switch (check.kind) {
    case CheckKind::speedup:
    case CheckKind::benchmark_speedup:
      require("baseline");
      if (check.kind == CheckKind::benchmark_speedup) require("candidate");
      if (check.at_least.has_value() == check.efficiency.has_value())
        v.error(table.source(), fmt::format("a '{}' check needs exactly one of 'at_least' or 'efficiency'", kind_name));
      v.require_range(table, "at_least", check.at_least, 1e-9, 1e9, "positive");
      v.require_range(table, "efficiency", check.efficiency, 1e-9, 1.0, "in (0, 1]");
      if (check.workers && !check.efficiency)
        v.error(table.get("workers")->source(), "'workers' goes with 'efficiency'");
      if (check.workers && *check.workers < 1) v.error(table.get("workers")->source(), "'workers' must be >= 1");
      if (check.max_repetitions && *check.max_repetitions < 1)
        v.error(table.get("max_repetitions")->source(), "'max_repetitions' must be >= 1");
      break;
    case CheckKind::same_lines:
      require("baseline");
      break;
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
        auto outcome =
            filecheck::validate(check.text, {.check_name = "case.toml", .line_offset = check.text_line_offset});
        if (outcome.status == filecheck::Status::invalid_checks)
          v.error(table.get("text")->source(), fmt::format("bad FileCheck text: {}", outcome.summary));
        for (const auto& warning : outcome.warnings) v.warning(warning.line, warning.column, warning.message);
      }
      if (check.stream != "stdout" && check.stream != "stderr")
        v.error(table.get("stream")->source(),
                fmt::format("'stream' must be \"stdout\" or \"stderr\" (got \"{}\")", check.stream));
      break;
    case CheckKind::isolation:
      require("probe");
      break;
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
    case CheckKind::races:  // its variants must be compiled: validate_references (read_variants.cpp)
      break;
  }
}

// One [[checks]] table; nullopt when its kind is missing or unknown (the error says so).
std::optional<CheckSpec> read_check(const toml::table& table, Validator& v) {
  CheckSpec check;
  check.line = static_cast<int>(table.source().begin.line);
  auto kind_name = v.string(table, "kind");
  if (!kind_name) {
    if (!table.get("kind")) v.error(table.source(), "[[checks]] needs a 'kind'");
    return std::nullopt;
  }
  auto kind = check_kind(*kind_name);
  if (!kind) {
    auto suggestion = did_you_mean(*kind_name, kCheckKinds);
    v.error(table.get("kind")->source(),
            fmt::format("unknown check kind '{}'{}", *kind_name,
                        suggestion.empty() ? fmt::format(" (expected one of: {})", fmt::join(kCheckKinds, ", "))
                                           : fmt::format(" (did you mean '{}'?)", suggestion)));
    return std::nullopt;
  }
  check.kind = *kind;
  v.reject_unknown_keys(table, keys_for(check.kind), fmt::format("a '{}' check", *kind_name));

  check.name = v.string(table, "name").value_or("");
  check.baseline = v.string(table, "baseline").value_or("");
  check.candidate = v.string(table, "candidate").value_or("");
  check.baseline_variant = v.string(table, "baseline_variant").value_or("");
  check.pattern = v.string(table, "pattern").value_or("");
  check.text = v.string(table, "text").value_or("");
  if (const toml::node* text = table.get("text")) check.text_line_offset = v.text_line_offset(*text);
  check.stream = v.string(table, "stream").value_or("stdout");
  check.probe = v.string(table, "probe").value_or("");
  if (auto rank = v.integer(table, "rank")) {
    if (*rank < 0 || *rank >= 1024)
      v.error(table.get("rank")->source(), fmt::format("'rank' must be an MPI rank, 0 to 1023 (got {})", *rank));
    else
      check.rank = static_cast<int>(*rank);
  }
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
      v.error(table.get("visibility")->source(),
              fmt::format("'visibility' must be one of: {} (got \"{}\")", fmt::join(kVisibilities, ", "), *visibility));
    else
      check.visibility = static_cast<Visibility>(at - kVisibilities.begin());
  }
  if (const toml::node* bands = table.get("bands")) read_bands(*bands, check, v);
  if (auto hint = v.string(table, "hint")) {
    if (hint->find_first_not_of(" \t\r\n") == std::string::npos)
      v.error(table.get("hint")->source(), "'hint' must say something: Markdown shown under the check's failure");
    else
      check.hint = std::move(*hint);
  }

  check_kind_rules(table, *kind_name, check, v);
  if (check.name.empty()) check.name = default_check_name(check);
  return check;
}

}  // namespace

void read_checks(const toml::table& root, CaseSpec& spec, Validator& v) {
  const toml::node* node = root.get("checks");
  if (!node) return;
  const toml::array* checks = node->as_array();
  if (!checks || !checks->is_array_of_tables()) {
    v.error(node->source(), "'checks' must be an array of tables: write each as [[checks]]");
    return;
  }
  for (const auto& item : *checks)
    if (auto check = read_check(*item.as_table(), v)) spec.checks.push_back(std::move(*check));
}

}  // namespace case_toml

std::string_view to_string(CheckKind kind) { return case_toml::kCheckKinds[static_cast<std::size_t>(kind)]; }

std::string_view to_string(Visibility visibility) {
  return case_toml::kVisibilities[static_cast<std::size_t>(visibility)];
}

}  // namespace parex
