// Reading a case's variants (catalog/read_variants.hpp): the compiled ones by convention and [variants.NAME], the
// checks' references to them, and [submission] with its defaults.
#include "catalog/read_variants.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace parex::case_toml {
namespace {

// Names the build tools already use for targets of their own; an executable of that name breaks Ninja.
bool is_reserved_target(std::string_view name) {
  for (std::string_view reserved : {"all", "clean", "help", "install", "package", "test"})
    if (name == reserved) return true;
  return false;
}

const std::vector<std::string> kSubmissionKeys = {"variant", "files", "hidden_variants", "build_timeout"};
const std::vector<std::string> kVariantKeys = {"expect", "args", "command", "build", "ranks"};
constexpr long long kMaxRanks = 1024;
const std::vector<std::string> kBuildKeys = {"compile_options", "link_libraries"};

// The files a variant is made of, relative to the case folder: <name>.cpp, <name>/*.cpp, or the files
// its command names.
std::vector<std::string> variant_sources(const CaseSpec& spec, const VariantSpec& variant) {
  std::vector<std::string> out;
  std::error_code ec;
  if (variant.compiled) {
    if (fs::is_regular_file(spec.dir / (variant.name + ".cpp"), ec))
      out.push_back(variant.name + ".cpp");
    else
      out.push_back(variant.name + "/*.cpp");
    return out;
  }
  for (const auto& arg : variant.command)
    if (arg.find('/') == std::string::npos && fs::is_regular_file(spec.dir / arg, ec)) out.push_back(arg);
  return out;
}

}  // namespace

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
      v.error(
          fmt::format("variant source '{}': '{}' is a reserved build target name (all, clean, help, install, "
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
          if (*expect == "pass")
            variant.expect = Expect::pass;
          else if (*expect == "fail")
            variant.expect = Expect::fail;
          else
            v.error(table->get("expect")->source(),
                    fmt::format("'expect' must be \"pass\" or \"fail\" (got \"{}\")", *expect));
        }
        variant.args = v.strings(*table, "args").value_or(std::vector<std::string>{});
        if (auto command = v.strings(*table, "command")) {
          if (command->empty()) v.error(table->get("command")->source(), "'command' must not be empty");
          if (variant.compiled)
            v.error(table->get("command")->source(),
                    fmt::format("variant '{}' has both a source ({}.cpp or {}/) and a command: keep one", name, name,
                                name));
          variant.command = std::move(*command);
        }
        if (!variant.compiled && variant.command.empty())
          v.error(table->source(),
                  fmt::format("variant '{}' has no {}.cpp, no {}/ folder and no 'command'", name, name, name));
        if (!is_name(name)) v.error(key.source(), fmt::format("variant name '{}' must match [a-z0-9_]+", name));
        if (auto ranks = v.integer(*table, "ranks")) {
          if (*ranks < 1 || *ranks > kMaxRanks)
            v.error(table->get("ranks")->source(),
                    fmt::format("'ranks' must be between 1 and {} (got {})", kMaxRanks, *ranks));
          else
            variant.ranks = static_cast<int>(*ranks);
        }
        if (const toml::node* build = table->get("build")) {
          variant.build = read_build(build, fmt::format("[variants.{}.build]", name), v);
          if (!variant.compiled)
            v.error(build->source(), fmt::format("variant '{}' runs a command and is not compiled: "
                                                 "[variants.{}.build] has nothing to build",
                                                 name, name));
        }
      }
    }
  }

  if (auto it = spec.variants.find("parallel"); it != spec.variants.end() && !it->second.expect)
    it->second.expect = Expect::pass;
}

BuildSettings read_build(const toml::node* node, std::string_view where, Validator& v) {
  BuildSettings build;
  if (!node) return build;
  const toml::table* table = node->as_table();
  if (!table) {
    v.error(node->source(), fmt::format("'build' must be a table: write it as {}", where));
    return build;
  }
  v.reject_unknown_keys(*table, kBuildKeys, where);
  // CMake takes each as one word of a list: a ';' would split it, and a line break or tab would end it.
  auto words = [&](std::string_view key, bool library) {
    std::vector<std::string> out = v.strings(*table, key).value_or(std::vector<std::string>{});
    for (const auto& word : out) {
      const bool bad = word.empty() || word.find_first_of(";\n\t\r") != std::string::npos ||
                       (library && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                          "0123456789_.+-:") != std::string::npos);
      if (bad)
        v.error(table->get(key)->source(),
                library ? fmt::format("'{}' in {} must be a CMake target (NAME::x) or a pkg-config name", word, where)
                        : fmt::format("'{}' in {}: an option must be non-empty, without ';', tabs or line breaks", word,
                                      where));
    }
    return out;
  };
  build.compile_options = words("compile_options", false);
  build.link_libraries = words("link_libraries", true);
  return build;
}

void validate_references(CaseSpec& spec, Validator& v) {
  std::vector<std::string> names;
  for (const auto& [name, variant] : spec.variants) names.push_back(name);
  for (const auto& check : spec.checks) {
    bool names_variant =
        check.kind == CheckKind::speedup || check.kind == CheckKind::same_lines || check.kind == CheckKind::in_order;
    const std::string& variant = names_variant ? check.baseline : check.baseline_variant;
    const char* key = names_variant ? "baseline" : "baseline_variant";
    if (variant.empty() || spec.variants.contains(variant)) continue;
    auto suggestion = did_you_mean(variant, names);
    v.error(toml::source_region{{static_cast<toml::source_index>(check.line), 1}, {}, nullptr},
            fmt::format("{} '{}' names no variant of this case{}", key, variant,
                        suggestion.empty() ? fmt::format(" (variants: {})", fmt::join(names, ", "))
                                           : fmt::format(" (did you mean '{}'?)", suggestion)));
  }
  // ThreadSanitizer instruments what a compiler builds: a script's interpreter is not built by the case.
  for (const auto& check : spec.checks) {
    if (check.kind != CheckKind::races) continue;
    for (const auto& name : spec.graded())
      if (!spec.variants.at(name).compiled)
        v.error(toml::source_region{{static_cast<toml::source_index>(check.line), 1}, {}, nullptr},
                fmt::format("a 'races' check needs compiled variants: '{}' is a script, and ThreadSanitizer "
                            "instruments only what the case's C++ build compiles (a Python case cannot have it)",
                            name));
  }
  // A check's `rank` picks one MPI rank's lines: some graded variant must have that rank.
  const int most_ranks = spec.most_ranks();
  for (const auto& check : spec.checks)
    if (check.rank && *check.rank >= most_ranks)
      v.error(toml::source_region{{static_cast<toml::source_index>(check.line), 1}, {}, nullptr},
              most_ranks == 0 ? fmt::format("'rank = {}' picks an MPI rank's lines, and no graded variant of this case "
                                            "runs ranks: give it [variants.NAME] ranks = N",
                                            *check.rank)
                              : fmt::format("'rank = {}' is no rank of the graded variants: they run at most {} "
                                            "rank(s), 0 to {}",
                                            *check.rank, most_ranks, most_ranks - 1));
  if (spec.graded().empty())
    v.error("no graded variant: add parallel.cpp, or set expect = \"pass\" in a [variants.NAME] table");
}

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
  if (!spec.variants.contains(submission.variant))
    return name_error(table->get("variant"), "variant", submission.variant);
  const VariantSpec& edited = spec.variants.at(submission.variant);

  std::optional<std::vector<std::string>> files, hidden;
  if (table) files = v.strings(*table, "files"), hidden = v.strings(*table, "hidden_variants");
  submission.files = files.value_or(variant_sources(spec, edited));
  for (const auto& glob : submission.files)
    if (glob.empty() || glob.starts_with("/") || glob.find("..") != std::string::npos || glob == "case.toml")
      v.error(table->get("files")->source(), fmt::format("'files' holds '{}': a glob relative to the case folder, "
                                                         "without '..', and never case.toml",
                                                         glob));
  const auto baselines = spec.baselines();
  if (hidden) {
    for (const auto& name : *hidden) {
      if (!spec.variants.contains(name))
        name_error(table->get("hidden_variants"), "hidden_variants", name);
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
    const bool hidden_baseline =
        !variant.empty() && std::find(submission.hidden_variants.begin(), submission.hidden_variants.end(), variant) !=
                                submission.hidden_variants.end();
    if (!hidden_baseline) continue;
    if (check.visibility == Visibility::visible)
      v.warning(check.line, 1,
                fmt::format("check '{}' compares with '{}', a hidden variant: it is hidden from learners "
                            "too (say visibility = \"hidden\" to make that explicit)",
                            check.name, variant));
    check.visibility = Visibility::hidden;
  }
  spec.submission = std::move(submission);
}

}  // namespace parex::case_toml
