#include "catalog/case_files.hpp"

#include <algorithm>

#include "base/digest.hpp"
#include "base/files.hpp"

namespace fs = std::filesystem;

namespace parex {

std::string catalog_hash(const std::vector<fs::path>& catalogs) {
  Sha256 sha;
  for (const auto& catalog : catalogs)
    for (const auto& dir : find_cases(catalog)) hash_files_below(sha, dir, dir.filename().string() + "/");
  return sha.hex();
}

std::set<fs::path> hidden_sources(const CaseSpec& spec, const std::string& except) {
  std::set<fs::path> hidden;
  if (!spec.submission) return hidden;
  for (const auto& name : spec.submission->hidden_variants) {
    if (name == except) continue;
    const VariantSpec& variant = spec.variants.at(name);
    if (variant.compiled) {
      hidden.insert(name + ".cpp");
      hidden.insert(name);
    }
    for (const auto& arg : variant.command)
      if (arg.find('/') == std::string::npos && fs::is_regular_file(spec.dir / arg)) hidden.insert(arg);
  }
  return hidden;
}

std::set<std::string> held_out_variants(const CaseSpec& spec) {
  if (spec.submission) return {spec.submission->hidden_variants.begin(), spec.submission->hidden_variants.end()};
  std::set<std::string> held_out;
  const auto baselines = spec.baselines();
  for (const auto& [name, variant] : spec.variants)
    if (std::find(baselines.begin(), baselines.end(), name) == baselines.end()) held_out.insert(name);
  return held_out;
}

std::vector<std::string> variant_modules(const CaseSpec& spec, const VariantSpec& variant) {
  std::vector<std::string> modules;
  if (variant.command.empty()) return modules;
  for (std::size_t i = 1; i < variant.command.size(); ++i) {
    const std::string& arg = variant.command[i];
    if (arg == "-c") {
      ++i;  // a program given as text: no module of the case's
    } else if (arg == "-m" && i + 1 < variant.command.size()) {
      const std::string& module = variant.command[++i];
      modules.push_back(module.substr(0, module.find('.')));
    } else if (arg.ends_with(".py") && arg.size() > 3 && arg.find('/') == std::string::npos) {
      modules.push_back(arg.substr(0, arg.size() - 3));
    }
  }
  std::error_code ec;
  if (fs::is_directory(spec.dir / variant.name, ec)) modules.push_back(variant.name);
  std::sort(modules.begin(), modules.end());
  modules.erase(std::unique(modules.begin(), modules.end()), modules.end());
  return modules;
}

std::vector<fs::path> learner_files(const CaseSpec& spec) {
  const std::set<fs::path> hidden = hidden_sources(spec);
  std::vector<fs::path> out;
  for (const auto& file : files_below(spec.dir)) {
    if (file == "case.toml") continue;
    const fs::path top = *file.begin();
    if (hidden.contains(file) || hidden.contains(top)) continue;
    out.push_back(file);
  }
  return out;
}

}  // namespace parex
