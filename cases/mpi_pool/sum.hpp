// The pool lesson's work as one sum: pool_map's do_work over the pair's 10 000 items, kRounds times each, shared by
// the variants. The sum is the same whichever rank added which item, in whatever order.
#pragma once

#include <cstdint>

#include "../pool_map/work.hpp"

inline constexpr int kRounds =
    5;  // about 1.5 s of work on one core, so that mpirun's start (~0.2 s) is small beside it

// Item n's share of the sum.
inline std::uint64_t item_sum(std::uint64_t n) {
  std::uint64_t sum = 0;
  for (std::uint64_t round = 0; round < kRounds; ++round) sum += do_work(n * kRounds + round);
  return sum;
}
