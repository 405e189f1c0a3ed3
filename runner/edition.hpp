// `parex export --learner`: the learner edition of a catalog — what learners receive, and nothing more.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "catalog.hpp"

namespace parex {

struct EditionOptions {
  std::filesystem::path out;            // the edition's folder; must not exist or be empty
  std::filesystem::path parex_source;   // parex's source release, copied into <out>/parex (none: not carried)
};

struct EditionReport {
  std::vector<std::string> cases;       // exported
  std::vector<std::string> left_out;    // "pool_bench: no starter and no [submission]"
  std::string catalog_hash;             // sha256 of the instructor's catalog files
};

// What a machine needs to build parex and grade with it (Debian/Ubuntu package names).
inline constexpr const char* kDebianPackages =
    "build-essential cmake ninja-build pkg-config libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev "
    "libre2-dev libssl-dev libdw-dev libseccomp-dev libbenchmark-dev python3 python3-jinja2";

// The regular files below dir, relative to it, sorted; hidden folders, __pycache__ and *.pyc left out.
std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir);

// Copies parex's source release (what builds the runner and the support library, no catalog) from source to dest.
void copy_source_release(const std::filesystem::path& source, const std::filesystem::path& dest);

// sha256 of every file of the catalogs' cases (paths and contents, in path order), as hex.
std::string catalog_hash(const std::vector<std::filesystem::path>& catalogs);

// sha256 of the files below dir as files_below lists them (paths and contents), as hex; "" if unreadable.
std::string files_digest(const std::filesystem::path& dir);

// The case.toml a learner gets: without [submission], hidden variants and checks that are not visible, and
// with the submission variant graded expect = "pass". Comments and layout of what is kept stay as written.
// With `keep_hidden_checks`, the instructor's copy for grading a submission: every check is kept.
std::string learner_case_toml(const CaseSpec& spec, const std::string& text, bool keep_hidden_checks = false);

// The sources of the case's hidden variants (but `except`'s), relative to its folder: <name>.cpp, <name>/, and the
// files a command names; empty for a case without a submission.
std::set<std::filesystem::path> hidden_sources(const CaseSpec& spec, const std::string& except = "");

// The files of a case folder that learners receive: everything but case.toml and hidden variants' sources.
std::vector<std::filesystem::path> learner_files(const CaseSpec& spec);

// Writes the learner edition of `catalogs` into options.out (cases/, CMakeLists.txt, README.md, .gitignore,
// .devcontainer/, parex-edition.json and, when given, parex/); throws with a message on a catalog error.
EditionReport export_learner_edition(const std::vector<std::filesystem::path>& catalogs, const EditionOptions& options);

}  // namespace parex
