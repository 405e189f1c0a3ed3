// Building a case before grading it: a grade never runs an executable older than its sources.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace parex {

struct BuildOptions {
  std::filesystem::path cmake = "cmake";  // the CMake that configured the build tree
  std::filesystem::path build_dir;        // the CMake build tree holding the case's targets
  std::string config;                     // --config for multi-config generators, when set
  // Folders the build must not see (the instructor's case folders, reference binaries): the build runs in a
  // mount namespace of its own with an empty read-only tmpfs over each, where the runner may make one.
  std::vector<std::filesystem::path> hide;
};

struct BuildOutcome {
  bool ok = false;
  int exit_code = 0;
  std::string log;       // everything the build printed
  std::string messages;  // the compiler's messages alone (the build tool's progress lines left out), 40 lines at most
  std::string sandbox;   // what hid `hide`: "mount namespace: N folder(s) hidden", or why nothing could
};

// The CMake targets of a case's compiled variants: parex_<case>_<variant>, and parex_<case>_<variant>_tsan in a case
// with a races check (see ParexCatalog.cmake).
std::vector<std::string> build_targets(const CaseSpec& spec);

// The command that builds the compiled variants of `spec` in its CMake build tree (cmake --build --target ...);
// empty when the case has none.
std::vector<std::string> build_command(const CaseSpec& spec, const BuildOptions& options);

// Builds the compiled variants of `spec` in its CMake build tree (build_command).
BuildOutcome build_case(const CaseSpec& spec, const BuildOptions& options);

// Runs a build tool's command (configure or build), its output captured, in a mount namespace that hides
// `hide` when that is not empty (see BuildOptions::hide).
BuildOutcome run_build_command(std::vector<std::string> args, const std::vector<std::filesystem::path>& hide = {});

// Where exec would find `program` (a name without '/') on PATH; `program` itself when it has a '/'; empty when
// there is none.
std::filesystem::path find_on_path(const std::string& program);

// The last `count` lines of a command's output (or any text), without their line breaks.
std::vector<std::string> last_lines(const std::string& text, std::size_t count);

// The compiler's messages in a build log: no progress lines, no command lines, at most `max_lines`.
std::string compiler_messages(const std::string& log, std::size_t max_lines = 40);

// A Python 3 for the report scripts: PAREX_PYTHON, else /usr/bin/python3, else python3 on PATH;
// with_jinja2 asks for one that imports Jinja2. Empty when there is none.
std::string report_python(bool with_jinja2);

}  // namespace parex
