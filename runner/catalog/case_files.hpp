// Which of a case's files are whose: the catalog's hash, the hidden variants' sources, what learners receive.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace parex {

// sha256 of every file of the catalogs' cases (paths and contents, in path order), as hex.
std::string catalog_hash(const std::vector<std::filesystem::path>& catalogs);

// The sources of the case's hidden variants (but `except`'s), relative to its folder: <name>.cpp, <name>/, and the
// files a command names; empty for a case without a submission.
std::set<std::filesystem::path> hidden_sources(const CaseSpec& spec, const std::string& except = "");

// The variants whose scripts and sources no run of another variant sees: [submission] hidden_variants, or, in a case
// without a submission (an instructor's own catalog), what that would default to: every variant but the baselines.
std::set<std::string> held_out_variants(const CaseSpec& spec);

// The Python modules of a script variant, by name: each <stem>.py its command names, the module after -m, and its
// folder, where the case has one; empty for a compiled variant.
std::vector<std::string> variant_modules(const CaseSpec& spec, const VariantSpec& variant);

// The files of a case folder that learners receive: everything but case.toml and hidden variants' sources.
std::vector<std::filesystem::path> learner_files(const CaseSpec& spec);

}  // namespace parex
