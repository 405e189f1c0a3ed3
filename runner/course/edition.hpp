// `parex export --learner`: the learner edition of a catalog — what learners receive, and nothing more.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace parex {

struct EditionOptions {
  std::filesystem::path out;           // the edition's folder; must not exist or be empty
  std::filesystem::path parex_source;  // parex's source release, copied into <out>/parex (none: not carried)
};

struct EditionReport {
  std::vector<std::string> cases;     // exported
  std::vector<std::string> left_out;  // "pool_bench: no starter and no [submission]"
  std::string catalog_hash;           // sha256 of the instructor's catalog files
};

// What a machine needs to build parex and grade with it (Debian/Ubuntu package names).
inline constexpr const char* kDebianPackages =
    "build-essential cmake ninja-build pkg-config libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev "
    "libre2-dev libssl-dev libdw-dev libseccomp-dev libbenchmark-dev python3 python3-jinja2";

// kDebianPackages and what the cases' compiled variants need (catalog/build_needs.hpp: OpenMP, TBB, MPI, Google
// Benchmark), space-separated: what a learner's machine or an autograder image installs.
std::string debian_packages(const std::vector<CaseSpec>& specs);

// Copies parex's source release (what builds the runner and the support library, no catalog) from source to dest.
void copy_source_release(const std::filesystem::path& source, const std::filesystem::path& dest);

// The case.toml a learner gets: without [submission], hidden variants and checks that are not visible, and
// with the submission variant graded expect = "pass". Comments and layout of what is kept stay as written.
// With `keep_hidden_checks`, the instructor's copy for grading a submission: every check is kept.
std::string learner_case_toml(const CaseSpec& spec, const std::string& text, bool keep_hidden_checks = false);

// Writes the learner edition of `catalogs` into options.out (cases/, CMakeLists.txt, README.md, .gitignore,
// .devcontainer/, parex-edition.json and, when given, parex/); throws with a message on a catalog error.
EditionReport export_learner_edition(const std::vector<std::filesystem::path>& catalogs, const EditionOptions& options);

}  // namespace parex
