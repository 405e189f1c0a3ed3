// Reading a case's variants, internal to catalog/: the compiled ones found by convention, [variants.NAME], the
// checks' references to them, and [submission], which names the one learners edit.
#pragma once

#include <toml++/toml.h>

#include "catalog/catalog.hpp"
#include "catalog/diagnostics.hpp"

namespace parex::case_toml {

// The variants: <name>.cpp or <name>/ in the case folder, then [variants.NAME]; `parallel` is graded by default.
void read_variants(const toml::table& root, CaseSpec& spec, Validator& v);

// [build] or [variants.NAME.build] (`node`, absent or not): compile options and link libraries, checked so that
// CMake can use each as one word. `where` names the table in messages.
BuildSettings read_build(const toml::node* node, std::string_view where, Validator& v);

// Every variant a check names exists, and some variant is graded.
void validate_references(CaseSpec& spec, Validator& v);

// [submission]: what a learner edits and hands in, with its defaults; every name it uses must exist.
void read_submission(const toml::table& root, CaseSpec& spec, Validator& v);

}  // namespace parex::case_toml
