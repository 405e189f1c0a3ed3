// The seed's do_work, made heavy enough to time and impossible to fold away, shared by the variants.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <parex/seed.hpp>

inline constexpr int kItems = 10000;

// A chain of dependent multiply-adds seeded by n: the compiler can neither vectorise nor precompute it.
// Its speed depends on where its loop falls in a cache line; parex_add_catalog starts every loop at a line, so
// each variant runs it equally fast (docs/authoring-cases.md, "The same loop, the same speed").
inline std::uint64_t do_work(std::uint64_t n) {
  std::uint64_t state = n, sum = 0;
  for (std::uint64_t x = 0; x < 25000; ++x) {
    state = state * 6364136223846793005ULL + x;
    sum += state >> 33;
  }
  return sum;
}

// The items: 0, 1, 2, ... as in the seed's lesson when run by hand; under parex, items the runner's seed for this
// pair chooses (case.toml's [inputs]), so that the checksum is one no program can know before it runs.
inline std::vector<std::uint64_t> inputs() {
  const std::uint64_t offset = parex::seed().value_or(0);
  std::vector<std::uint64_t> items(kItems);
  for (int i = 0; i < kItems; ++i) items[static_cast<std::size_t>(i)] = offset * kItems + static_cast<std::uint64_t>(i);
  return items;
}

// One line that depends on every result, the same whichever process computed which.
inline std::uint64_t checksum(const std::vector<std::uint64_t>& results) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < results.size(); ++i) sum ^= results[i] * (i + 1);
  return sum;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
