// load_case (catalog/catalog.hpp): reads a case.toml's top-level keys and [limits], then its variants, checks and
// submission (catalog/read_variants, catalog/read_checks), every error collected by a Validator (catalog/diagnostics).
#include "catalog/catalog.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include "catalog/diagnostics.hpp"
#include "catalog/read_checks.hpp"
#include "catalog/read_variants.hpp"
#include "data/record.hpp"

namespace fs = std::filesystem;

namespace parex {
namespace {

using namespace case_toml;

const std::vector<std::string> kTopKeys = {"title",       "about",  "tags",       "timeout", "time_scale",
                                           "repetitions", "warmup", "capture",    "sandbox", "limits",
                                           "variants",    "checks", "submission", "inputs",  "build"};
const std::vector<std::string> kLimitKeys = {"max_processes", "max_output_bytes", "memory_mb"};
const std::vector<std::string> kInputKeys = {"seed"};

// [inputs]: what the runner draws for each baseline/graded pair (docs/extensions.md, "Inputs").
void read_inputs(const toml::table& root, CaseSpec& spec, Validator& v) {
  const toml::node* node = root.get("inputs");
  if (!node) return;
  const toml::table* inputs = node->as_table();
  if (!inputs) return v.error(node->source(), "'inputs' must be a table: write it as [inputs]");
  v.reject_unknown_keys(*inputs, kInputKeys, "[inputs]");
  if (auto seed = v.string(*inputs, "seed")) {
    if (*seed == "random")
      spec.random_seed = true;
    else
      v.error(inputs->get("seed")->source(), fmt::format("'seed' must be \"random\" (got \"{}\")", *seed));
  }
}

// A variant that names {seed} in its args or command needs a seed to put there.
void check_seed_references(const CaseSpec& spec, Validator& v) {
  if (spec.random_seed) return;
  for (const auto& [name, variant] : spec.variants) {
    std::vector<std::string> words = variant.args;
    words.insert(words.end(), variant.command.begin(), variant.command.end());
    for (const auto& word : words)
      if (word.find("{seed}") != std::string::npos) {
        v.error(
            fmt::format("variant '{}' passes {{seed}} but the case draws none: add [inputs] seed = \"random\"", name));
        break;
      }
  }
}

}  // namespace

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
  spec.build = read_build(root.get("build"), "[build]", v);
  if (auto title = v.string(root, "title"))
    spec.title = *title;
  else if (!root.get("title"))
    v.error(toml::source_region{{1, 1}, {}, nullptr}, "missing required key 'title'");
  spec.about = v.string(root, "about").value_or("");
  spec.tags = v.strings(root, "tags").value_or(std::vector<std::string>{});
  for (const auto& tag : spec.tags)
    if (!is_name(tag))
      v.error(root.get("tags")->source(),
              fmt::format("tag '{}' must match [a-z0-9_]+ (tags become CTest labels)", tag));

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
    if (*capture == "pipe")
      spec.capture = Capture::pipe;
    else if (*capture == "pty")
      spec.capture = Capture::pty;
    else
      v.error(root.get("capture")->source(),
              fmt::format("'capture' must be \"pipe\" or \"pty\" (got \"{}\")", *capture));
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

  read_inputs(root, spec, v);
  read_variants(root, spec, v);
  check_seed_references(spec, v);
  read_checks(root, spec, v);
  validate_references(spec, v);
  read_submission(root, spec, v);

  if (v.ok()) result.spec = std::move(spec);
  result.errors = v.take();
  result.warnings = v.take_warnings();
  return result;
}

}  // namespace parex
