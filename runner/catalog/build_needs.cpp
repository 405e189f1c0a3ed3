#include "catalog/build_needs.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

namespace fs = std::filesystem;

namespace parex {
namespace {

// The need one preprocessor line names, or "" for none; a quoted include's file goes to `included`.
std::string need_of(std::string_view line, std::string& included) {
  auto skip_space = [&] {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  };
  skip_space();
  if (!line.starts_with('#')) return "";
  line.remove_prefix(1);
  skip_space();
  if (line.starts_with("pragma")) {
    line.remove_prefix(6);
    skip_space();
    return line.starts_with("omp") ? "openmp" : "";
  }
  if (!line.starts_with("include")) return "";
  line.remove_prefix(7);
  skip_space();
  for (auto [header, need] : {std::pair{"<omp.h>", "openmp"},
                              {"<tbb/", "tbb"},
                              {"<tbb.h>", "tbb"},
                              {"<oneapi/tbb", "tbb"},
                              {"<mpi.h>", "mpi"},
                              {"<benchmark/benchmark.h>", "benchmark"}})
    if (line.starts_with(header)) return need;
  if (line.starts_with('"')) {
    const auto end = line.find('"', 1);
    if (end != std::string_view::npos) included = std::string(line.substr(1, end - 1));
  }
  return "";
}

}  // namespace

std::set<std::string> build_needs(const CaseSpec& spec) {
  std::set<std::string> needs;
  std::vector<fs::path> pending;
  std::error_code ec;
  for (const auto& [name, variant] : spec.variants) {
    if (!variant.compiled) continue;
    if (fs::is_regular_file(spec.dir / (name + ".cpp"), ec)) pending.push_back(spec.dir / (name + ".cpp"));
    if (fs::is_directory(spec.dir / name, ec))
      for (const auto& entry : fs::recursive_directory_iterator(spec.dir / name, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".cpp") pending.push_back(entry.path());
  }
  // A races check builds the variants again with ThreadSanitizer (cmake/ParexCatalog.cmake).
  for (const auto& check : spec.checks)
    if (check.kind == CheckKind::races) needs.insert("tsan");
  std::set<fs::path> seen;
  while (!pending.empty()) {
    const fs::path file = fs::weakly_canonical(pending.back(), ec);
    pending.pop_back();
    if (!seen.insert(file).second || !fs::is_regular_file(file, ec)) continue;
    std::ifstream in(file);
    for (std::string line, included; std::getline(in, line); included.clear()) {
      if (auto need = need_of(line, included); !need.empty()) needs.insert(need);
      if (!included.empty()) pending.push_back(file.parent_path() / included);
    }
  }
  return needs;
}

std::vector<std::string> debian_packages_for(const std::set<std::string>& needs) {
  // GCC's OpenMP is libgomp (g++ brings it; named so that an image without it gets it); Open MPI's headers,
  // CMake files and mpirun come in two packages.
  static const std::map<std::string, std::vector<std::string>> kPackages = {{"openmp", {"libgomp1"}},
                                                                            {"tbb", {"libtbb-dev"}},
                                                                            {"mpi", {"libopenmpi-dev", "openmpi-bin"}},
                                                                            {"benchmark", {"libbenchmark-dev"}},
                                                                            {"tsan", {"libtsan2"}}};
  std::vector<std::string> out;
  for (const auto& need : needs)
    if (auto it = kPackages.find(need); it != kPackages.end())
      out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

}  // namespace parex
