#include "catalog/case_files.hpp"

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
