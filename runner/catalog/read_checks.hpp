// Reading [[checks]] of a case.toml, internal to catalog/: each table's kind, its keys and what each kind requires.
#pragma once

#include <toml++/toml.h>

#include "catalog/catalog.hpp"
#include "catalog/diagnostics.hpp"

namespace parex::case_toml {

// Reads the [[checks]] tables into spec.checks, reporting every error in them to `v`.
void read_checks(const toml::table& root, CaseSpec& spec, Validator& v);

}  // namespace parex::case_toml
