// The pair's input seed: what the runner drew for this baseline/graded pair ([inputs] seed = "random").
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace parex {

// PAREX_SEED, read once: the same for both runs of a pair, new for the next pair. nullopt when the case draws none
// (a case without [inputs], or a program run by hand), and with a warning when it is not a number.
inline std::optional<std::uint64_t> seed() {
  static const std::optional<std::uint64_t> value = []() -> std::optional<std::uint64_t> {
    const char* text = std::getenv("PAREX_SEED");
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || *text == '-') {
      std::fprintf(stderr, "parex: ignoring PAREX_SEED='%s' (not a number)\n", text);
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(parsed);
  }();
  return value;
}

// The i-th number of a stream the seed determines (the i-th output of splitmix64 started at seed): inputs drawn from
// the seed, the same in C++ and in Python's parex_seed.draw for one seed.
inline std::uint64_t draw(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace parex
