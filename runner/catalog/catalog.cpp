// The catalog (catalog/catalog.hpp): a CaseSpec's graded variants and baselines, the cases of a catalog folder, and
// load_case_or_throw. Reading a case.toml is load_case.cpp's, with diagnostics.cpp, read_variants.cpp and
// read_checks.cpp.
#include "catalog/catalog.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace parex {

CaseSpec load_case_or_throw(const fs::path& dir) {
  LoadResult loaded = load_case(dir);
  if (loaded.spec) return std::move(*loaded.spec);
  std::string errors;
  for (const auto& error : loaded.errors) errors += format_diagnostic(error) + "\n";
  throw std::invalid_argument(fmt::format("{}fix the catalog first (parex check {})", errors, dir.string()));
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
    bool names_variant =
        check.kind == CheckKind::speedup || check.kind == CheckKind::same_lines || check.kind == CheckKind::in_order;
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

bool CaseSpec::has_check(CheckKind kind) const {
  return std::any_of(checks.begin(), checks.end(), [kind](const CheckSpec& c) { return c.kind == kind; });
}

int CaseSpec::most_ranks() const {
  int most = 0;
  for (const auto& name : graded()) most = std::max(most, variants.at(name).ranks);
  return most;
}

std::vector<fs::path> find_cases(const fs::path& catalog) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(catalog, ec))
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "case.toml")) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace parex
