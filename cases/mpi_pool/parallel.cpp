// The sum over ranks: rank 0 scatters the items, every rank adds its share, and MPI_Reduce adds the shares on rank 0.
#include <mpi.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "sum.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const auto t1 = std::chrono::steady_clock::now();

  // Rank r gets items [kItems * r / ranks, kItems * (r + 1) / ranks): counts differ by one at most.
  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    offsets[static_cast<std::size_t>(r)] = kItems * r / ranks;
    counts[static_cast<std::size_t>(r)] = kItems * (r + 1) / ranks - offsets[static_cast<std::size_t>(r)];
  }
  std::vector<std::uint64_t> items;
  if (rank == 0) items = inputs();
  std::vector<std::uint64_t> mine(static_cast<std::size_t>(counts[static_cast<std::size_t>(rank)]));
  MPI_Scatterv(items.data(), counts.data(), offsets.data(), MPI_UINT64_T, mine.data(), static_cast<int>(mine.size()),
               MPI_UINT64_T, 0, MPI_COMM_WORLD);

  std::uint64_t share = 0, sum = 0;
  for (auto n : mine) share += item_sum(n);
  // a line of each rank's own: the report's timeline draws a lane per rank
  fmt::print("rank {}: added {} items in {:.3f} s\n", rank, mine.size(), seconds_since(t1));
  std::fflush(stdout);
  MPI_Reduce(&share, &sum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);

  if (rank == 0) {
    fmt::print("sum: {}\n", sum);
    fmt::print("Parallel processing on {} ranks took: {:.3f} s\n", ranks, seconds_since(t1));
  }
  MPI_Finalize();
}
