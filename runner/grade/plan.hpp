// The plan phase of a grade: who runs, with which command, sandbox and CPUs, and how many pairs at most.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "data/result.hpp"
#include "grade/setup.hpp"

namespace parex::grading {

// One program a grade runs, as it will be started: a baseline or the graded variant.
struct Participant {
  const VariantSpec* variant = nullptr;
  Role role = Role::graded;
  Command command;
  bool once = false;  // a benchmark program: runs with the graded one, not once per repetition
  SandboxRequest sandbox;
  std::string built_digest;    // a compiled baseline's SHA-256 as the build recorded it, read before any run
  std::string baseline_key;    // a baseline's key in the baseline cache; "": neither reused nor recorded
  int ranks = 0;               // an MPI variant: the ranks its command starts (grade/mpi.hpp); 0: not one
  std::size_t program_at = 0;  // where the program is in command.argv: after mpirun's words for an MPI variant
};

// What the plan phase decides before any run.
struct Plan {
  std::vector<Participant> participants;  // the baselines, then the graded variant (back())
  bool benchmark = false;                 // a Google Benchmark program: runs once, repeating itself
  bool timing = false;                    // the case has a timing check: runs are measured against the machine's load
  std::vector<int> cpus;                  // the CPUs this runner may use
  std::vector<int> confined;              // the CPUs every run is held to; empty: not confined
  int graded_runs = 0;                    // counted runs of the graded variant before adaptive pairs
  int pairs = 0;                          // pairs before adaptive ones
  int max_pairs = 0;                      // pairs at most, an undecided speedup's included
  std::string error;                      // why nothing can run (no executable); "" when all can
};

// Plans the grade of `variant`: its participants, their commands and sandboxes, the CPUs and pairs. Fills
// result.machine's sandbox, cores and cpus.
Plan plan_grade(const CaseSpec& spec, const VariantSpec& variant, const GradeOptions& options, VariantResult& result);

}  // namespace parex::grading
