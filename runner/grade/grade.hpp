// Grading one variant of a case: plan the runs, make them, judge them.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "checks/checks.hpp"
#include "data/record.hpp"
#include "data/result.hpp"
#include "grade/setup.hpp"
#include "spawn/sysinfo.hpp"

namespace parex {

// Scores `result` (see score.hpp) and records it in the result.
void apply_score(const CaseSpec& spec, VariantResult& result);

// The result of a variant that was not run (a build error, a missing submission, a spent budget): `status`
// and why, scored as such.
VariantResult unrun_result(const CaseSpec& spec, const std::string& variant, Status status, std::string why);

// Grades `variant` (which must be graded in `spec`): warmups, then baseline/graded pairs, then every check.
VariantResult grade_variant(const CaseSpec& spec, const std::string& variant, const GradeOptions& options);

// grade_variant with every run made by `execute` (scripted runs, in tests) and no machine lock taken.
VariantResult grade_variant(const CaseSpec& spec, const std::string& variant, const GradeOptions& options,
                            const Executor& execute);

}  // namespace parex
