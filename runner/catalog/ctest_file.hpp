// The CTest include file `parex list --ctest` writes: one test per graded variant.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace parex {

struct CtestLayout {
  std::filesystem::path parex;           // the runner the tests call
  std::filesystem::path bin_root;        // <bin_root>/<case>/<variant> are the executables
  std::filesystem::path results;         // where results are written
  std::string fixture = "parex_report";  // the report step cleans up after this fixture
  std::string python;                    // passed as --python to every run, when set
  // When set, each case with compiled variants gets a test <case>/build that builds them in this CMake
  // build tree first (a fixture its variants require), so that ctest never grades a stale executable.
  std::filesystem::path build_dir;
  std::filesystem::path cmake = "cmake";
};

// CMake code registering `cases` with CTest (labels, timing lock, timeout, report fixture).
std::string ctest_script(const std::vector<CaseSpec>& cases, const CtestLayout& layout);

// Seconds a grade of `variant` may take at most, for CTest's TIMEOUT.
double grade_budget_s(const CaseSpec& spec);

}  // namespace parex
