// The items the lesson counts: 4 000 000 numbers drawn from the pair's seed (items 0, 1, 2, ... by hand), shared by
// every variant, so that the count is one no program can know in advance.
#pragma once

#include <cstdint>

#include <parex/seed.hpp>

inline constexpr long kItems = 4'000'000;
inline constexpr int kThreads = 4;

// Item i: a number the pair's seed determines, or i itself when the program runs without one.
inline std::uint64_t item(long i) {
  static const auto seed = parex::seed();
  return seed ? parex::draw(*seed, static_cast<std::uint64_t>(i)) : static_cast<std::uint64_t>(i);
}

// What is counted: the items that are multiples of 3.
inline bool counted(long i) { return item(i) % 3 == 0; }
