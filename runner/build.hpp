// Building a case before grading it: a grade never runs an executable older than its sources.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog.hpp"

namespace parex {

struct BuildOptions {
  std::filesystem::path cmake = "cmake";  // the CMake that configured the build tree
  std::filesystem::path build_dir;        // the CMake build tree holding the case's targets
  std::string config;                     // --config for multi-config generators, when set
};

struct BuildOutcome {
  bool ok = false;
  int exit_code = 0;
  std::string log;       // everything the build printed
  std::string messages;  // the compiler's messages alone (the build tool's progress lines left out), 40 lines at most
};

// The CMake targets of a case's compiled variants: parex_<case>_<variant> (see ParexCatalog.cmake).
std::vector<std::string> build_targets(const CaseSpec& spec);

// Builds the compiled variants of `spec` in its CMake build tree (cmake --build --target ...).
BuildOutcome build_case(const CaseSpec& spec, const BuildOptions& options);

// The compiler's messages in a build log: no progress lines, no command lines, at most `max_lines`.
std::string compiler_messages(const std::string& log, std::size_t max_lines = 40);

}  // namespace parex
