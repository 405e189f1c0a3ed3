// The sum on one rank: every item in turn (case.toml runs it as ranks = 1, so mpirun's start is on both sides).
#include <mpi.h>

#include <fmt/format.h>

#include "sum.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const auto t1 = std::chrono::steady_clock::now();
  std::uint64_t sum = 0;
  for (auto n : inputs()) sum += item_sum(n);
  fmt::print("sum: {}\n", sum);
  fmt::print("Serial processing took: {:.3f} s\n", seconds_since(t1));
  MPI_Finalize();
}
