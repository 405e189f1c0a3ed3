// The sum over ranks, as handed out: rank 0 adds every item while the other ranks wait for it.
// Your task: give every rank a share of the items (MPI_Scatterv from rank 0, or let each rank compute its own range
// from `rank` and `ranks`), have each add its share, and combine the shares on rank 0 with MPI_Reduce.
#include <mpi.h>

#include <cstdio>

#include <fmt/format.h>

#include "sum.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const auto t1 = std::chrono::steady_clock::now();

  std::uint64_t sum = 0;
  if (rank == 0) {
    for (auto n : inputs()) sum += item_sum(n);
    fmt::print("rank {}: added {} items in {:.3f} s\n", rank, kItems, seconds_since(t1));
    std::fflush(stdout);
  }
  MPI_Barrier(MPI_COMM_WORLD);  // the other ranks wait here the whole time

  if (rank == 0) {
    fmt::print("sum: {}\n", sum);
    fmt::print("Parallel processing on {} ranks took: {:.3f} s\n", ranks, seconds_since(t1));
  }
  MPI_Finalize();
}
