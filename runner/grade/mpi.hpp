// MPI variants ([variants.V] ranks = N): the mpirun command line that runs one, and its output lines attributed
// to their ranks (docs/authoring-cases.md, "MPI").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/record.hpp"

namespace parex {

// The ranks a variant asking for `asked` runs on `cores` usable cores: the lesser, as parex never oversubscribes.
int effective_ranks(int asked, int cores);

// Where mpi_argv puts the number of ranks: {mpirun, "-np", N, ...}.
inline constexpr std::size_t kMpiRanksAt = 2;

// `argv` run as `ranks` MPI ranks by the mpirun at `mpirun`: output tagged by rank, no core binding (the runner's
// cpuset and affinity are the rule for cores), and --allow-run-as-root only where the ranks would run as root.
std::vector<std::string> mpi_argv(const std::string& mpirun, int ranks, bool as_root,
                                  const std::vector<std::string>& argv);

// The Open MPI settings an MPI run gets: one node, shared memory between ranks, and no batch system's allocation
// (a grade-class task under Slurm starts mpirun inside its own allocation, never srun).
std::vector<std::pair<std::string, std::string>> mpi_environment();

// Strips mpirun's "[J,R]<stdout>:" tag from each line that has one, setting the line's rank to R; untagged lines
// (mpirun's own) keep no rank. Only the first tag is mpirun's: a program printing one keeps it in its text.
void attribute_ranks(std::vector<Line>& lines);

}  // namespace parex
